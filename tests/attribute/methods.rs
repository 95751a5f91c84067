//! Methods taking `&self`, `&mut self` and `self` keep their receivers, and
//! may return borrows of them.

use perfmon::monitor_performance;

#[derive(Debug, Default)]
struct Cart {
    items: Vec<u32>,
}

impl Cart {
    #[monitor_performance(name = "methods.total")]
    fn total(&self) -> u32 {
        self.items.iter().sum()
    }

    #[monitor_performance(name = "methods.items")]
    fn items(&self) -> &[u32] {
        &self.items
    }

    #[monitor_performance(name = "methods.add")]
    fn add(&mut self, item: u32) -> &mut Self {
        self.items.push(item);
        self
    }

    #[monitor_performance(name = "methods.items_mut")]
    fn items_mut(&mut self) -> &mut Vec<u32> {
        if self.items.is_empty() {
            return &mut self.items;
        }
        &mut self.items
    }

    #[monitor_performance(name = "methods.into_items")]
    fn into_items(self) -> Vec<u32> {
        self.items
    }

    #[monitor_performance(name = "methods.boxed")]
    fn boxed(self: Box<Self>) -> usize {
        self.items.len()
    }
}

#[test]
fn ref_self_method_is_recorded() {
    let cart = Cart { items: vec![1, 2] };
    assert_eq!(cart.total(), 3);
    assert_eq!(cart.items(), &[1, 2]);
    assert_eq!(perfmon::summary("methods.total").unwrap().count, 1);
    assert_eq!(perfmon::summary("methods.items").unwrap().count, 1);
}

#[test]
fn mut_self_method_can_return_a_borrow_of_self() {
    let mut cart = Cart::default();
    cart.add(1).add(2);
    cart.items_mut().push(3);
    assert_eq!(cart.items, [1, 2, 3]);
    assert_eq!(perfmon::summary("methods.add").unwrap().count, 2);
    assert_eq!(perfmon::summary("methods.items_mut").unwrap().count, 1);
}

#[test]
fn by_value_self_method_consumes_self() {
    assert_eq!(Cart { items: vec![4] }.into_items(), [4]);
    assert_eq!(Box::new(Cart { items: vec![4, 5] }).boxed(), 2);
    assert_eq!(perfmon::summary("methods.into_items").unwrap().count, 1);
    assert_eq!(perfmon::summary("methods.boxed").unwrap().count, 1);
}
