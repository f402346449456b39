// Trampolines from zkclient's callback types to the Go functions exported in callbacks.go.
// They run on the library's dispatcher threads (or the thread of the blocking call that
// triggers them); cgo attaches such threads to the Go runtime for the call.
#include "bridge.h"
#include "_cgo_export.h"

void *zkgo_handle(uintptr_t handle) { return (void *)handle; }

void zkgo_release(void *user_data) { zkgoRelease((uintptr_t)user_data); }

void zkgo_state_listener(zk_state state, zk_keeper_state keeper_state, void *user_data) {
    zkgoStateListener(state, keeper_state, (uintptr_t)user_data);
}

void zkgo_watcher(const zk_watch_event *event, void *user_data) {
    zkgoWatcher((zk_watch_event *)event, (uintptr_t)user_data);
}

bool zkgo_data_watch(const uint8_t *data, size_t len, const zk_stat *stat,
                     const zk_watch_event *event, void *user_data) {
    return zkgoDataWatch((uint8_t *)data, len, (zk_stat *)stat, (zk_watch_event *)event,
                         (uintptr_t)user_data) != 0;
}

bool zkgo_children_watch(const zk_string_list *children, const zk_stat *stat,
                         const zk_watch_event *event, void *user_data) {
    return zkgoChildrenWatch((zk_string_list *)children, (zk_stat *)stat,
                             (zk_watch_event *)event, (uintptr_t)user_data) != 0;
}

void zkgo_lock_state(zk_state state, void *user_data) {
    zkgoLockState(state, (uintptr_t)user_data);
}

int32_t zkgo_leader(void *user_data) { return zkgoLeader((uintptr_t)user_data); }

void zkgo_create_done(zk_error rc, const char *path, const zk_stat *stat, void *user_data) {
    zkgoCreateDone(rc, (char *)path, (zk_stat *)stat, (uintptr_t)user_data);
}

void zkgo_stat_done(zk_error rc, const zk_stat *stat, void *user_data) {
    zkgoStatDone(rc, (zk_stat *)stat, (uintptr_t)user_data);
}

void zkgo_data_done(zk_error rc, const uint8_t *data, size_t len, const zk_stat *stat,
                    void *user_data) {
    zkgoDataDone(rc, (uint8_t *)data, len, (zk_stat *)stat, (uintptr_t)user_data);
}

void zkgo_children_done(zk_error rc, const zk_string_list *children, const zk_stat *stat,
                        void *user_data) {
    zkgoChildrenDone(rc, (zk_string_list *)children, (zk_stat *)stat, (uintptr_t)user_data);
}

void zkgo_void_done(zk_error rc, void *user_data) { zkgoVoidDone(rc, (uintptr_t)user_data); }

void zkgo_log(zk_log_level level, const char *target, const char *message, void *user_data) {
    zkgoLog(level, (char *)target, (char *)message, (uintptr_t)user_data);
}
