//! The server runs with the allocator settings of `camrig::allocator`
//! (it runs itself again with them when they are missing): the process
//! that listens, with the id it was started with, has them in its
//! environment and serves.

use crate::common;

use camrig::allocator::SETTINGS;

#[tokio::test]
async fn the_server_runs_with_the_allocator_settings_under_its_own_id() {
    let media = common::unique_temp_dir("allocator");
    let server = common::spawn_server(env!("CARGO_BIN_EXE_camrig"), &media, (320, 240, 15)).await;
    let pid = server.child.id().expect("the server runs");
    let environ = std::fs::read(format!("/proc/{pid}/environ")).unwrap();
    let vars: Vec<String> = environ
        .split(|b| *b == 0)
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .collect();
    for (name, value) in SETTINGS {
        assert!(
            vars.contains(&format!("{name}={value}")),
            "{name}={value} missing from the server's environment"
        );
    }
    let state = common::api_state(server.addr).await;
    assert!(
        state.is_some(),
        "the server answers after running itself again"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(media);
}
