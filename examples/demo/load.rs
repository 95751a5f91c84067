//! The load generator: a few clients doing what users of the service do
//! (log in, list, read, write, delete, the N+1 inventory, the slow monthly
//! report, some failed logins and forbidden writes), each request on a fresh
//! connection of a small hand-written HTTP/1.1 client.

use crate::app::{jitter, sleep_ms};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// One HTTP/1.1 request on a fresh connection; returns the status code and
/// the body.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    session: Option<&str>,
    body: Option<&Value>,
) -> std::io::Result<(u16, String)> {
    let mut stream = TcpStream::connect(addr).await?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("Content-Type: application/json\r\n");
    }
    if let Some(session) = session {
        request.push_str(&format!("Authorization: Bearer {session}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    stream.write_all(request.as_bytes()).await?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await?;
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {response:.40?}")))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_owned()))
}

/// A client doing what users of the service do, until `until`.
async fn client(addr: SocketAddr, worker: u64, until: Instant) -> u64 {
    let mut sent = 0;
    let mut step = worker * 7;
    let (admin, viewer) = (Some("sess-admin"), Some("sess-viewer"));
    let mut created: Vec<u64> = Vec::new();
    let mut failures = 0u64;
    while Instant::now() < until {
        step += 1;
        // Mostly a few hot parts (L1 hits), sometimes any of 1-16 (13-16
        // are missing at first: 404s once both caches missed).
        let id = if step.is_multiple_of(3) {
            1 + step % 16
        } else {
            1 + step % 4
        };
        let result = match step % 20 {
            0 => {
                // Now and then someone who may not log in tries.
                let user = if step.is_multiple_of(120) {
                    "mallory"
                } else {
                    "admin"
                };
                let body = json!({"user": user, "password": "hunter2"});
                send(addr, "POST", "/login", None, Some(&body)).await
            }
            1 => send(addr, "GET", "/parts", viewer, None).await,
            2 => {
                let body = json!({ "name": format!("part-{step}"), "stock": step % 50 });
                let res = send(addr, "POST", "/parts", admin, Some(&body)).await;
                if let Ok((201, body)) = &res {
                    let part: Value = serde_json::from_str(body).unwrap_or_default();
                    created.extend(part["id"].as_u64());
                }
                res
            }
            3 => {
                let body = json!({"stock": step % 90});
                send(addr, "PUT", &format!("/parts/{id}"), admin, Some(&body)).await
            }
            4 if step % 100 == 4 => {
                // A viewer may not write: 403.
                let body = json!({"name": "nope", "stock": 1});
                send(addr, "POST", "/parts", viewer, Some(&body)).await
            }
            5 if created.len() > 3 => {
                let id = created.remove(0);
                send(addr, "DELETE", &format!("/parts/{id}"), admin, None).await
            }
            6 => send(addr, "GET", "/inventory", viewer, None).await,
            7 if worker == 0 => send(addr, "GET", "/reports/monthly", admin, None).await,
            _ => send(addr, "GET", &format!("/parts/{id}"), viewer, None).await,
        };
        if let Err(e) = result {
            if failures == 0 {
                eprintln!("load generator {worker}: {e} (further errors not shown)");
            }
            failures += 1;
            sleep_ms(200).await;
        }
        sent += 1;
        sleep_ms(5 + jitter(20)).await;
    }
    sent
}

/// Runs four clients for `seconds` against `addr`; returns the number of
/// requests they sent.
pub async fn run(addr: SocketAddr, seconds: u64) -> u64 {
    let until = Instant::now() + Duration::from_secs(seconds);
    let workers: Vec<_> = (0..4)
        .map(|w| tokio::spawn(client(addr, w, until)))
        .collect();
    let mut sent = 0;
    for w in workers {
        sent += w.await.unwrap_or(0);
    }
    sent
}
