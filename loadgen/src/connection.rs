//! One keep-alive HTTP/1.1 connection per client, as a POS holds one. No pool: which
//! connection a request takes is part of what is measured, so each client owns exactly one.

use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::tally::Failure;

pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    authority: HeaderValue,
    authorization: Option<HeaderValue>,
}

impl Connection {
    pub async fn open(
        addr: SocketAddr,
        authority: &str,
        authorization: Option<&str>,
    ) -> Result<Connection, Failure> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| Failure::io("connect", e))?;
        // Requests are small and answered one at a time: Nagle would only add delay.
        stream
            .set_nodelay(true)
            .map_err(|e| Failure::io("connect", e))?;
        let (sender, conn) = http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| Failure::io_chain("handshake", &e))?;
        // The connection's I/O runs beside the requests; it ends when `sender` is dropped.
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let header = |v: &str| {
            HeaderValue::from_str(v).map_err(|e| Failure::new("bad header", e.to_string()))
        };
        Ok(Connection {
            sender,
            authority: header(authority)?,
            authorization: authorization.map(header).transpose()?,
        })
    }

    /// Whether the server has closed it (a keep-alive timeout): then the caller opens another.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    pub async fn get(&mut self, path: &str) -> Result<(StatusCode, Bytes), Failure> {
        self.send(Method::GET, path, Bytes::new()).await
    }

    pub async fn post_json(
        &mut self,
        path: &str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), Failure> {
        self.send(Method::POST, path, body).await
    }

    async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Bytes,
    ) -> Result<(StatusCode, Bytes), Failure> {
        let mut request = Request::builder()
            .method(method.clone())
            .uri(path)
            .header(HOST, self.authority.clone());
        if method == Method::POST {
            request = request.header(CONTENT_TYPE, "application/json");
        }
        if let Some(auth) = &self.authorization {
            request = request.header(AUTHORIZATION, auth.clone());
        }
        // `Full` has an exact size, so hyper sends a Content-Length, which the host requires.
        let request = request
            .body(Full::new(body))
            .map_err(|e| Failure::new("bad request", e.to_string()))?;
        self.sender
            .ready()
            .await
            .map_err(|e| Failure::io_chain("connection", &e))?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| Failure::io_chain("request", &e))?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::io_chain("reading the reply", &e))?
            .to_bytes();
        Ok((status, body))
    }
}
