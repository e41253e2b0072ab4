//! Building a client leaves process-wide TLS state alone: an application stays free to install the rustls
//! crypto provider of its choice before or after. (A test binary of its own: the state is per process.)

#[test]
fn building_a_client_installs_no_process_wide_crypto_provider() {
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
    let client = allmhub::Client::builder()
        .api_key("sk-test")
        .base_url("https://api.allmhub.com")
        .build()
        .expect("a client with rustls");
    assert_eq!(client.base_url(), "https://api.allmhub.com");
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "the client chose its provider without installing it for the process"
    );
    // The application can still install its own, which would fail had the client installed one.
    rustls::crypto::ring::default_provider()
        .install_default()
        .expect("the process-wide slot is still free");
    allmhub::Client::builder()
        .api_key("sk-test")
        .build()
        .expect("clients keep building after the application chose a provider");
}
