//! W3C Trace Context (`traceparent`): a caller's trace id is kept when the header is well
//! formed, so this service's logs join the caller's trace; otherwise a new trace is started.
//! Either way the request carries exactly one valid `traceparent` from here on, which the
//! access log and the request's span read.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use rand::RngCore;

pub const HEADER: &str = "traceparent";

/// A parsed `traceparent`: version 00, a 32-hex trace id and a 16-hex parent id, neither all
/// zeros, and two hex flag digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceParent {
    pub trace_id: String,
    pub parent_id: String,
    pub flags: String,
}

fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl TraceParent {
    pub fn parse(value: &str) -> Option<TraceParent> {
        let mut parts = value.trim().split('-');
        let (version, trace_id, parent_id, flags) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let valid = version == "00"
            && parts.next().is_none()
            && is_lower_hex(trace_id, 32)
            && trace_id.bytes().any(|b| b != b'0')
            && is_lower_hex(parent_id, 16)
            && parent_id.bytes().any(|b| b != b'0')
            && is_lower_hex(flags, 2);
        valid.then(|| TraceParent {
            trace_id: trace_id.to_owned(),
            parent_id: parent_id.to_owned(),
            flags: flags.to_owned(),
        })
    }

    /// A new trace, started here and sampled (so that it is exported when traces are).
    pub fn start() -> TraceParent {
        let mut bytes = [0u8; 24];
        rand::rng().fill_bytes(&mut bytes);
        // Never all zeros: the first byte of each id is forced non-zero.
        bytes[0] |= 1;
        bytes[16] |= 1;
        TraceParent {
            trace_id: hex::encode(&bytes[..16]),
            parent_id: hex::encode(&bytes[16..]),
            flags: "01".into(),
        }
    }

    pub fn header_value(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.parent_id, self.flags)
    }

    /// The trace id of a request that went through [`ensure`].
    pub fn trace_id_of<B>(request: &axum::http::Request<B>) -> Option<String> {
        request
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(TraceParent::parse)
            .map(|t| t.trace_id)
    }
}

/// Middleware: keeps one well-formed `traceparent`, or replaces whatever came with a new one.
pub async fn ensure(mut request: Request, next: Next) -> Response {
    let values = request.headers().get_all(HEADER).iter().count();
    let kept = (values == 1)
        .then(|| request.headers().get(HEADER))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(TraceParent::parse);
    let trace = kept.unwrap_or_else(TraceParent::start);
    if let Ok(v) = HeaderValue::from_str(&trace.header_value()) {
        request.headers_mut().insert(HEADER, v);
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::TraceParent;

    #[test]
    fn only_well_formed_version_00_trace_parents_are_kept() {
        let ok = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t = TraceParent::parse(ok).unwrap();
        assert_eq!(t.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(t.header_value(), ok);
        for bad in [
            "",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
        ] {
            assert!(TraceParent::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_started_trace_is_well_formed() {
        let t = TraceParent::start();
        assert_eq!(TraceParent::parse(&t.header_value()), Some(t));
    }
}
