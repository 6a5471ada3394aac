//! TLS without verifying the engine's certificate, where the docker CLI allows it: `DOCKER_TLS`
//! without `DOCKER_TLS_VERIFY`, or a context with `SkipTLSVerify`. The handshake signatures are
//! still checked (only the certificate chain and name are not), and the client certificate is
//! presented when `cert.pem` and `key.pem` exist. bollard's own TLS always verifies, so this is
//! a custom transport over hyper-rustls with the same rustls (ring) bollard uses.

use std::sync::Arc;

use bollard::errors::Error as BollardError;
use bollard::{API_DEFAULT_VERSION, BollardRequest, Docker};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::Tls;
use super::ssh::Body;

/// Accepts any server certificate; checks the handshake signatures made with it.
#[derive(Debug)]
struct AnyServerCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyServerCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A client for `host` (`tcp://` or `https://`) over TLS that does not verify the server.
/// Errors are the reason, for the caller's message.
pub fn connect(host: &str, tls: &Tls, timeout_secs: u64) -> Result<Docker, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AnyServerCertificate(provider)));
    let config = if tls.cert.exists() && tls.key.exists() {
        let certs = CertificateDer::pem_file_iter(&tls.cert)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| format!("{}: {e}", tls.cert.display()))?;
        let key = PrivateKeyDer::from_pem_file(&tls.key)
            .map_err(|e| format!("{}: {e}", tls.key.display()))?;
        builder
            .with_client_auth_cert(certs, key)
            .map_err(|e| format!("{}: {e}", tls.key.display()))?
    } else {
        builder.with_no_client_auth()
    };
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnector::from((http, config));
    let mut builder = Client::builder(TokioExecutor::new());
    builder.pool_max_idle_per_host(0);
    let client: Arc<Client<_, Body>> = Arc::new(builder.build(https));
    let addr = host
        .replacen("tcp://", "https://", 1)
        .replacen("http://", "https://", 1);
    Docker::connect_with_custom_transport(
        move |request: BollardRequest| {
            let client = Arc::clone(&client);
            async move { client.request(request).await.map_err(BollardError::from) }
        },
        Some(addr),
        timeout_secs,
        API_DEFAULT_VERSION,
    )
    .map_err(|e| e.to_string())
}
