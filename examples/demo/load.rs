//! The load generator: a few clients doing what users of the service do
//! (log in, list, read, write, delete, the N+1 inventory, the slow monthly
//! report, some failed logins and forbidden writes), each request on a fresh
//! connection of a small hand-written HTTP/1.1 client.

use crate::app::{jitter, sleep_ms};
use serde_json::{json, Value};
use std::io;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How long one request may take, connection to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// One HTTP/1.1 request on a fresh connection (`Connection: close`, so the
/// response ends when the server closes it); returns the status code and
/// the body.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    session: Option<&str>,
    body: Option<&Value>,
) -> io::Result<(u16, String)> {
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
    let exchange = async {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(request.as_bytes()).await?;
        let mut response = Vec::new();
        stream.read_to_end(&mut response).await?;
        parse_response(&response)
    };
    tokio::time::timeout(REQUEST_TIMEOUT, exchange)
        .await
        .unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("{method} {path}: no response within {REQUEST_TIMEOUT:?}"),
            ))
        })
}

/// The status code and the body of a whole HTTP/1.1 response: the body is
/// `Content-Length` bytes, or the decoded chunks of a chunked one, or (with
/// neither) everything up to the end of the connection. No 1xx responses
/// come back: `send` never asks for `100 Continue`.
fn parse_response(raw: &[u8]) -> io::Result<(u16, String)> {
    let invalid = |why: &str| {
        let start = String::from_utf8_lossy(&raw[..raw.len().min(40)]).into_owned();
        io::Error::new(io::ErrorKind::InvalidData, format!("{why}: {start:?}"))
    };
    let head_len = find(raw, b"\r\n\r\n").ok_or_else(|| invalid("no end of headers"))?;
    let head = std::str::from_utf8(&raw[..head_len]).map_err(|_| invalid("headers not UTF-8"))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.strip_prefix("HTTP/1."))
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| invalid("not an HTTP/1.x status line"))?;
    let header = |name: &str| {
        lines.clone().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    };
    let rest = &raw[head_len + 4..];
    let body = if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        dechunk(rest).ok_or_else(|| invalid("bad chunked body"))?
    } else if let Some(length) = header("content-length") {
        let length: usize = length.parse().map_err(|_| invalid("bad Content-Length"))?;
        rest.get(..length)
            .ok_or_else(|| invalid("body shorter than its Content-Length"))?
            .to_vec()
    } else {
        rest.to_vec()
    };
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The data of a chunked body (trailers ignored); `None` if it is cut short
/// or malformed.
fn dechunk(mut rest: &[u8]) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line_len = find(rest, b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_len]).ok()?;
        let size = size.split(';').next()?.trim(); // chunk extensions
        let size = usize::from_str_radix(size, 16).ok()?;
        rest = &rest[line_len + 2..];
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(rest.get(..size)?);
        rest = rest.get(size..)?.strip_prefix(b"\r\n")?;
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

#[cfg(test)]
mod tests {
    use super::parse_response;

    #[test]
    fn a_body_is_its_content_length() {
        let raw = b"HTTP/1.1 201 Created\r\ncontent-length: 8\r\n\r\n{\"id\":1}extra";
        assert_eq!(
            parse_response(raw).unwrap(),
            (201, r#"{"id":1}"#.to_owned())
        );
    }

    #[test]
    fn a_chunked_body_is_decoded() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\
                    3\r\n[1,\r\n2;x=y\r\n2]\r\n0\r\n\r\n";
        assert_eq!(parse_response(raw).unwrap(), (200, "[1,2]".to_owned()));
    }

    #[test]
    fn without_a_length_the_body_runs_to_the_end() {
        let raw = b"HTTP/1.1 204 No Content\r\n\r\n";
        assert_eq!(parse_response(raw).unwrap(), (204, String::new()));
    }

    #[test]
    fn truncated_or_foreign_responses_are_errors() {
        assert!(parse_response(b"HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\n{}").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nab")
                .is_err()
        );
        assert!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n").is_err());
        assert!(parse_response(b"").is_err());
    }
}
