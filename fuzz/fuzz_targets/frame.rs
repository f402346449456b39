#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkclient_fuzz::frame(data));
