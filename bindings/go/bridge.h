// C side of the Go binding: trampolines with the exact C callback types of zkclient.h, each
// forwarding to an exported Go function (callbacks.go). user_data always carries a
// runtime/cgo Handle (an integer), never a Go pointer.
#ifndef ZKGO_BRIDGE_H
#define ZKGO_BRIDGE_H

#include <stdint.h>
#include <stdlib.h>
#include <zkclient.h>

// The user_data pointer that carries a cgo.Handle.
void *zkgo_handle(uintptr_t handle);

void zkgo_release(void *user_data);
void zkgo_state_listener(zk_state state, zk_keeper_state keeper_state, void *user_data);
void zkgo_watcher(const zk_watch_event *event, void *user_data);
bool zkgo_data_watch(const uint8_t *data, size_t len, const zk_stat *stat,
                     const zk_watch_event *event, void *user_data);
bool zkgo_children_watch(const zk_string_list *children, const zk_stat *stat,
                         const zk_watch_event *event, void *user_data);
void zkgo_lock_state(zk_state state, void *user_data);
int32_t zkgo_leader(void *user_data);
void zkgo_create_done(zk_error rc, const char *path, const zk_stat *stat, void *user_data);
void zkgo_stat_done(zk_error rc, const zk_stat *stat, void *user_data);
void zkgo_data_done(zk_error rc, const uint8_t *data, size_t len, const zk_stat *stat,
                    void *user_data);
void zkgo_children_done(zk_error rc, const zk_string_list *children, const zk_stat *stat,
                        void *user_data);
void zkgo_void_done(zk_error rc, void *user_data);
void zkgo_log(zk_log_level level, const char *target, const char *message, void *user_data);

#endif
