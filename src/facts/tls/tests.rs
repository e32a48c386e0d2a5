//! Tests with generated certificates, the shared corpus, local rustls servers and a real
//! OpenBao listener. Helpers live in `support`.

mod certs;
mod corpus;
mod keys;
mod live;
mod openbao;
mod support;
