//! The C API of secured connections (`zk_tls_options`, `zk_sasl_options`): bad input gets a
//! clear code and message and changes nothing, and a client made through it reaches a real
//! TLS + SASL server, or fails with the TLS code.

mod common;

use std::ffi::CStr;
use std::ptr::{null, null_mut};

use common::{c, last_message, unique_chroot, Cluster};
use zkclient::ffi::*;

fn path_c(path: &std::path::Path) -> std::ffi::CString {
    c(path.to_str().unwrap())
}

#[test]
fn bad_input_is_refused_with_a_message_and_changes_nothing() {
    unsafe {
        // NULL handles and arguments.
        assert_eq!(
            zk_tls_options_set_ca_file(null_mut(), c("/x").as_ptr()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("tls"), "{}", last_message());
        let tls = zk_tls_options_new();
        assert!(!tls.is_null());
        assert_eq!(zk_tls_options_set_ca_file(tls, null()), zk_error::ZK_EINVAL);
        assert!(last_message().contains("path"), "{}", last_message());
        assert_eq!(
            zk_tls_options_set_ca_file(tls, c("").as_ptr()),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_tls_options_set_ca_pem(tls, null(), 5),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_tls_options_set_client_cert_pem(tls, b"x".as_ptr(), 1, null(), 0),
            zk_error::ZK_EINVAL
        );
        assert_eq!(
            zk_tls_options_set_server_name(tls, null()),
            zk_error::ZK_OK,
            "NULL goes back to the connect-string hosts"
        );

        // A CA file that does not exist: refused by zk_options_set_tls, naming the file, and
        // the options keep no TLS.
        assert_eq!(
            zk_tls_options_set_ca_file(tls, c("/nonexistent/ca.pem").as_ptr()),
            zk_error::ZK_OK
        );
        let options = zk_options_new();
        assert_eq!(zk_options_set_tls(options, tls), zk_error::ZK_EINVAL);
        assert!(
            last_message().contains("/nonexistent/ca.pem"),
            "{}",
            last_message()
        );
        // PEM text that holds no key: refused, and the message never quotes it.
        let secret_looking =
            b"-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            zk_tls_options_set_client_cert_pem(
                tls,
                secret_looking.as_ptr(),
                secret_looking.len(),
                secret_looking.as_ptr(),
                secret_looking.len()
            ),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_tls_options_set_ca_pem(tls, secret_looking.as_ptr(), secret_looking.len()),
            zk_error::ZK_OK
        );
        assert_eq!(zk_options_set_tls(options, tls), zk_error::ZK_EINVAL);
        assert!(!last_message().contains("c2VjcmV0"), "{}", last_message());
        zk_tls_options_free(tls);
        zk_tls_options_free(null_mut());

        // SASL: a user name is needed; GSSAPI settings do not apply to DIGEST-MD5.
        assert!(zk_sasl_options_new_digest(null(), b"pw".as_ptr(), 2).is_null());
        assert!(last_message().contains("username"), "{}", last_message());
        assert!(zk_sasl_options_new_digest(c("").as_ptr(), b"pw".as_ptr(), 2).is_null());
        assert!(last_message().contains("user name"), "{}", last_message());
        let digest = zk_sasl_options_new_digest(c("bob").as_ptr(), b"bobsecret".as_ptr(), 9);
        assert!(!digest.is_null());
        assert_eq!(
            zk_sasl_options_set_keytab(digest, c("/etc/krb5.keytab").as_ptr()),
            zk_error::ZK_EINVAL
        );
        assert!(last_message().contains("GSSAPI"), "{}", last_message());
        assert_eq!(zk_options_set_sasl(options, digest), zk_error::ZK_OK);
        assert_eq!(zk_options_set_sasl(null_mut(), digest), zk_error::ZK_EINVAL);
        zk_sasl_options_free(digest);

        // GSSAPI: refused in a build without the feature, taken in one with it.
        let gssapi = zk_sasl_options_new_gssapi();
        assert_eq!(
            zk_sasl_options_set_principal(gssapi, c("client@ZK.TEST").as_ptr()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_sasl_options_set_service(gssapi, c("").as_ptr()),
            zk_error::ZK_EINVAL
        );
        let set = zk_options_set_sasl(options, gssapi);
        if cfg!(feature = "gssapi") {
            assert_eq!(set, zk_error::ZK_OK);
        } else {
            assert_eq!(set, zk_error::ZK_EUNIMPLEMENTED);
            assert!(
                last_message().contains("gssapi feature"),
                "{}",
                last_message()
            );
        }
        zk_sasl_options_free(gssapi);
        zk_sasl_options_free(null_mut());
        zk_options_free(options);

        // Every new code has its name.
        for (code, name) in [
            (zk_error::ZK_ETLS, "ZK_ETLS"),
            (zk_error::ZK_ETLSUNKNOWNCA, "ZK_ETLSUNKNOWNCA"),
            (zk_error::ZK_ETLSHOSTNAME, "ZK_ETLSHOSTNAME"),
            (zk_error::ZK_ETLSEXPIRED, "ZK_ETLSEXPIRED"),
            (zk_error::ZK_ETLSCLIENTCERT, "ZK_ETLSCLIENTCERT"),
            (zk_error::ZK_ENOTTLS, "ZK_ENOTTLS"),
        ] {
            let text = CStr::from_ptr(zk_error_str(code as i32)).to_str().unwrap();
            assert_eq!(text, name);
        }
    }
}

#[test]
fn a_c_client_reaches_a_tls_and_sasl_server_and_reports_the_tls_code_when_it_cannot() {
    let cluster = Cluster::start_with("ffi-sec", 1, 2000, &["--tls", "need", "--sasl-digest"]);
    let secure = cluster.secure_hosts();
    unsafe {
        let tls = zk_tls_options_new();
        assert_eq!(
            zk_tls_options_set_ca_file(tls, path_c(&cluster.tls_file("ca.pem")).as_ptr()),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_tls_options_set_client_cert_file(
                tls,
                path_c(&cluster.tls_file("client1.pem")).as_ptr(),
                path_c(&cluster.tls_file("client1.key")).as_ptr()
            ),
            zk_error::ZK_OK
        );
        let sasl = zk_sasl_options_new_digest(c("bob").as_ptr(), b"bobsecret".as_ptr(), 9);
        let options = zk_options_new();
        assert_eq!(zk_options_set_tls(options, tls), zk_error::ZK_OK);
        assert_eq!(zk_options_set_sasl(options, sasl), zk_error::ZK_OK);
        // Both were copied: freeing them now changes nothing.
        zk_tls_options_free(tls);
        zk_sasl_options_free(sasl);

        let chroot = unique_chroot("ffi-sec");
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&secure).as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(
            zk_client_start(client, 30_000),
            zk_error::ZK_OK,
            "{}",
            last_message()
        );
        assert_eq!(
            zk_create(
                client,
                c(&chroot.replace("/zkclient-tests/", "/ffi-sec-")).as_ptr(),
                b"x".as_ptr(),
                1,
                null(),
                null_mut(),
                null_mut()
            ),
            zk_error::ZK_OK,
            "{}",
            last_message()
        );
        zk_client_free(client);

        // The same options trusting another CA: the start fails at once with its TLS code.
        let wrong = zk_tls_options_new();
        assert_eq!(
            zk_tls_options_set_ca_file(wrong, path_c(&cluster.tls_file("other-ca.pem")).as_ptr()),
            zk_error::ZK_OK
        );
        assert_eq!(zk_options_set_tls(options, wrong), zk_error::ZK_OK);
        zk_tls_options_free(wrong);
        let mut client = null_mut();
        assert_eq!(
            zk_client_new(c(&secure).as_ptr(), options, &mut client),
            zk_error::ZK_OK
        );
        assert_eq!(zk_client_start(client, 30_000), zk_error::ZK_ETLSUNKNOWNCA);
        assert!(
            last_message().contains("not signed by a trusted CA"),
            "{}",
            last_message()
        );
        zk_client_free(client);
        zk_options_free(options);
    }
}
