//! The HTTPS mode ([`EmulatorBuilder::tls`](crate::EmulatorBuilder::tls)):
//! a certificate authority and a server certificate made at start, for the
//! service's host names, so that a client that talks to those names (pinned
//! to the emulator's address) can run offline.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The names the server certificate of the HTTPS mode is valid for: the
/// service's API hosts and file hosts in both environments, `localhost`
/// and the address `127.0.0.1`.
pub const TLS_NAMES: [&str; 6] = [
    "ess.tencentcloudapi.com",
    "file.ess.tencent.cn",
    "ess.test.ess.tencent.cn",
    "file.test.ess.tencent.cn",
    "localhost",
    "127.0.0.1",
];

/// Why the certificate or the TLS configuration could not be made.
#[derive(Debug, thiserror::Error)]
#[error("cannot set up TLS: {0}")]
pub struct TlsError(String);

/// What the listener needs: the acceptor, and the certificate clients
/// trust.
pub(crate) struct Tls {
    pub acceptor: TlsAcceptor,
    /// The certificate authority, PEM.
    pub ca_pem: String,
}

impl Tls {
    /// A fresh authority (its key is kept nowhere once the server
    /// certificate is signed) and a server certificate for [`TLS_NAMES`].
    pub(crate) fn generate() -> Result<Tls, TlsError> {
        let err = |e: rcgen::Error| TlsError(e.to_string());
        let ca_key = KeyPair::generate().map_err(err)?;
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params
            .distinguished_name
            .push(DnType::CommonName, "ESS emulator local authority");
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let names: Vec<String> = TLS_NAMES.iter().map(|n| (*n).to_owned()).collect();
        let mut params = CertificateParams::new(names).map_err(err)?;
        params
            .distinguished_name
            .push(DnType::CommonName, "ESS emulator");
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(err)?;
        let cert = params.signed_by(&key, &issuer).map_err(err)?;

        let chain = vec![
            CertificateDer::from(cert.der().to_vec()),
            CertificateDer::from(ca_cert.der().to_vec()),
        ];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(|e| TlsError(e.to_string()))?;
        // The emulator speaks HTTP/1.1 only.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca_pem: ca_cert.pem(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_names_cover_every_host_of_the_service() {
        use ess_api::service::{ACTION_HOSTS, ENDPOINT, TEST_ENDPOINT};
        let mut hosts = vec![ENDPOINT, TEST_ENDPOINT];
        for (prod, test) in ACTION_HOSTS {
            hosts.extend([*prod, *test]);
        }
        for host in hosts {
            assert!(TLS_NAMES.contains(&host), "{host} is not in TLS_NAMES");
        }
    }

    #[test]
    fn each_start_makes_a_new_authority() {
        let a = Tls::generate().unwrap();
        let b = Tls::generate().unwrap();
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(a.ca_pem, b.ca_pem);
    }
}
