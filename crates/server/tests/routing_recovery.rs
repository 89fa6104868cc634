//! A received fax is stored marked as still to be routed; if faxd stops before routing has
//! run, the next start routes it.

mod support;

use std::sync::Arc;

use ferrofax_api::DeviceStatus;
use ferrofax_server::{ManualClock, startup};
use serde_json::json;
use support::{Faxd, NOON, loopback_config};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fax_left_unrouted_by_a_stop_is_routed_at_the_next_start() {
    let f = Faxd::start(loopback_config(20.0)).await;
    let folder = f.dir.path().join("received");
    let route = json!([{"method": "store_in_folder", "enable": true, "routing_data": folder.display().to_string()}]);
    let (s, v) = f.patch("/v1/ports/loop2/routing", route).await;
    assert_eq!(s, 200, "{v}");
    let (_, received) = f.fax_through(json!({"fax_number": "100"}), "To be routed\n").await;
    let j = f.wait_job(received, "routing", |j| j["device_status"] == "handled").await;
    let file = folder.join(format!("fax-{received}.tif"));
    assert!(file.exists(), "{j}");

    // Back to how a stop between storing and routing leaves it: stored, marked for routing,
    // nothing routed yet.
    std::fs::remove_file(&file).unwrap();
    f.core
        .jobs
        .modify(received, |r| {
            r.device_status = DeviceStatus::Routing;
            r.routing.clear();
            true
        })
        .await
        .unwrap();

    // Another start on the same data routes it (once the first has let go of it).
    f.core.stop().await;
    let config = loopback_config(20.0);
    let again = startup::start(config, f.dir.path().to_path_buf(), Arc::new(ManualClock::new(NOON))).await.unwrap();
    for _ in 0..200 {
        if file.exists() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(file.exists(), "the restart routed the fax");
    let row = again.store.job(received).await.unwrap().unwrap();
    assert_eq!(row.device_status, DeviceStatus::Handled);
    assert!(row.routing.starts_with("store_in_folder: stored as"), "{}", row.routing);
}
