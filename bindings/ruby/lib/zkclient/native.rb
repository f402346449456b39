# frozen_string_literal: true

require "ffi"

class ZkClient
  # The C API of libzkclient, declared for the ffi gem. Internal: use ZkClient and its
  # objects. Every function that may wait (on the network, a lock, the dispatcher) is
  # attached with `blocking: true`, so the calling thread releases Ruby's GVL while it waits
  # and the other Ruby threads (the client's callback thread among them) keep running.
  module Native
    extend FFI::Library

    # ZKCLIENT_LIBRARY names the library file (a path); otherwise the installed one is
    # loaded: libzkclient.so (the development link), else its soname libzkclient.so.0.
    LIBRARY = ENV.fetch("ZKCLIENT_LIBRARY", "").then { |path| path.empty? ? nil : File.expand_path(path) }
    begin
      ffi_lib(LIBRARY || %w[zkclient libzkclient.so.0])
    rescue LoadError => e
      where = LIBRARY ? "ZKCLIENT_LIBRARY=#{LIBRARY}" : "libzkclient.so (set ZKCLIENT_LIBRARY to its path)"
      raise LoadError, "zkclient: cannot load #{where}: #{e.message}", cause: nil
    end

    # The struct versions this binding was written against (include/zkclient.h).
    CREATE_OPTIONS_VERSION = 1

    # zk_stat: a node's metadata (frozen layout).
    class Stat < FFI::Struct
      layout :czxid, :int64, :mzxid, :int64, :ctime, :int64, :mtime, :int64,
             :version, :int32, :cversion, :int32, :aversion, :int32,
             :ephemeral_owner, :int64, :data_length, :int32, :num_children, :int32,
             :pzxid, :int64
    end

    # zk_buffer: bytes the library hands out (free with zk_buffer_free).
    class Buffer < FFI::Struct
      layout :data, :pointer, :len, :size_t
    end

    # zk_string_list: strings the library hands out (free with zk_string_list_free).
    class StringList < FFI::Struct
      layout :items, :pointer, :count, :size_t
    end

    # zk_watch_event: borrowed by a watcher for the duration of its call.
    class WatchEvent < FFI::Struct
      layout :event_type, :int32, :keeper_state, :int32, :path, :pointer
    end

    # zk_create_options (version 1), filled by zk_create_options_init.
    class CreateOptions < FFI::Struct
      layout :version, :uint32, :mode, :int32, :makepath, :bool, :ttl_ms, :int64,
             :acl, :pointer, :acl_count, :size_t
    end

    # zk_identity and zk_identity_list (frozen layouts), of zk_who_am_i.
    class Identity < FFI::Struct
      layout :scheme, :pointer, :id, :pointer
    end

    class IdentityList < FFI::Struct
      layout :items, :pointer, :count, :size_t
    end

    callback :state_listener, %i[int32 int32 pointer], :void
    callback :watcher, %i[pointer pointer], :void
    callback :data_watch_fn, %i[pointer size_t pointer pointer pointer], :bool
    callback :children_watch_fn, %i[pointer pointer pointer pointer], :bool
    callback :leader_fn, [:pointer], :int32
    callback :free_fn, [:pointer], :void

    # Cheap, never waiting.
    attach_function :zk_version, [], :string
    attach_function :zk_error_str, [:int32], :string
    attach_function :zk_last_error_message, [], :string
    attach_function :zk_create_options_init, %i[pointer uint32], :int32

    def self.blocking(name, params, result)
      attach_function name, params, result, blocking: true
    end

    # Options and the client.
    blocking :zk_options_new, [], :pointer
    blocking :zk_options_free, [:pointer], :void
    blocking :zk_options_set_session_timeout, %i[pointer uint32], :int32
    blocking :zk_options_set_randomize_hosts, %i[pointer bool], :int32
    blocking :zk_options_set_read_only, %i[pointer bool], :int32
    blocking :zk_options_add_auth, %i[pointer string pointer size_t], :int32
    blocking :zk_client_new, %i[string pointer pointer], :int32
    blocking :zk_client_start, %i[pointer uint32], :int32
    blocking :zk_client_stop, [:pointer], :int32
    blocking :zk_client_free, [:pointer], :void
    blocking :zk_client_state, %i[pointer pointer pointer], :int32
    blocking :zk_client_session, %i[pointer pointer pointer pointer], :int32
    blocking :zk_client_add_listener, %i[pointer state_listener pointer free_fn pointer], :int32
    blocking :zk_client_remove_listener, %i[pointer uint64], :int32
    blocking :zk_client_dispatch_fd, %i[pointer pointer], :int32
    blocking :zk_client_dispatch, %i[pointer pointer], :int32
    blocking :zk_client_server, %i[pointer pointer], :int32
    blocking :zk_add_auth, %i[pointer string pointer size_t], :int32

    # Host lists, the ensemble's configuration, reconfig, whoAmI.
    blocking :zk_options_set_follow_ensemble_config, %i[pointer bool], :int32
    blocking :zk_options_set_host_resolution_delay, %i[pointer uint32], :int32
    blocking :zk_client_update_hosts, %i[pointer string], :int32
    blocking :zk_client_hosts, %i[pointer pointer], :int32
    blocking :zk_get_config, %i[pointer pointer], :int32
    blocking :zk_get_config_watch, %i[pointer watcher pointer free_fn pointer pointer], :int32
    blocking :zk_reconfig_incremental, %i[pointer pointer size_t pointer size_t int64 pointer], :int32
    blocking :zk_reconfig_bulk, %i[pointer pointer size_t int64 pointer], :int32
    blocking :zk_who_am_i, %i[pointer pointer], :int32
    blocking :zk_identity_list_free, [:pointer], :void
    blocking :zk_ensemble_config_free, [:pointer], :void
    # Reading a configuration the caller owns: never waits.
    attach_function :zk_ensemble_config_version, [:pointer], :int64
    attach_function :zk_ensemble_config_member_count, [:pointer], :size_t
    attach_function :zk_ensemble_config_member, %i[pointer size_t], :pointer
    attach_function :zk_ensemble_config_data, %i[pointer pointer], :pointer
    attach_function :zk_ensemble_config_stat, %i[pointer pointer], :int32
    attach_function :zk_ensemble_config_connect_string, [:pointer], :pointer
    attach_function :zk_ensemble_member_id, [:pointer], :uint64
    attach_function :zk_ensemble_member_role, [:pointer], :int32
    attach_function :zk_ensemble_member_quorum_host, [:pointer], :pointer
    attach_function :zk_ensemble_member_quorum_port, [:pointer], :uint16
    attach_function :zk_ensemble_member_election_port, [:pointer], :uint16
    attach_function :zk_ensemble_member_client_host, [:pointer], :pointer
    attach_function :zk_ensemble_member_client_port, [:pointer], :uint16
    attach_function :zk_ensemble_member_connect_host, [:pointer], :pointer
    attach_function :zk_ensemble_member_spec, [:pointer], :pointer

    # Nodes.
    blocking :zk_create, %i[pointer string pointer size_t pointer pointer pointer], :int32
    blocking :zk_ensure_path, %i[pointer string], :int32
    blocking :zk_exists, %i[pointer string pointer pointer], :int32
    blocking :zk_get, %i[pointer string pointer pointer], :int32
    blocking :zk_get_children, %i[pointer string pointer pointer], :int32
    blocking :zk_set, %i[pointer string pointer size_t int32 pointer], :int32
    blocking :zk_delete, %i[pointer string int32 bool], :int32
    blocking :zk_sync, %i[pointer string], :int32

    # Watches.
    blocking :zk_exists_watch, %i[pointer string watcher pointer free_fn pointer pointer pointer], :int32
    blocking :zk_get_watch, %i[pointer string watcher pointer free_fn pointer pointer pointer], :int32
    blocking :zk_get_children_watch, %i[pointer string watcher pointer free_fn pointer pointer pointer], :int32
    blocking :zk_add_watch, %i[pointer string int32 watcher pointer free_fn pointer], :int32
    blocking :zk_remove_watch, %i[pointer uint64], :int32
    blocking :zk_data_watch_new, %i[pointer string data_watch_fn pointer free_fn pointer], :int32
    blocking :zk_data_watch_cancel, [:pointer], :int32
    blocking :zk_data_watch_free, [:pointer], :void
    blocking :zk_children_watch_new, %i[pointer string children_watch_fn pointer free_fn pointer], :int32
    blocking :zk_children_watch_cancel, [:pointer], :int32
    blocking :zk_children_watch_free, [:pointer], :void

    # Memory the library hands out.
    blocking :zk_buffer_free, [:pointer], :void
    blocking :zk_string_list_free, [:pointer], :void
    blocking :zk_string_free, [:pointer], :void

    # Recipes: Lock, Election, Counter.
    blocking :zk_lock_new, %i[pointer string pointer size_t pointer], :int32
    blocking :zk_read_lock_new, %i[pointer string pointer size_t pointer], :int32
    blocking :zk_write_lock_new, %i[pointer string pointer size_t pointer], :int32
    blocking :zk_lock_acquire, %i[pointer int64 pointer], :int32
    blocking :zk_lock_try_acquire, %i[pointer pointer], :int32
    blocking :zk_lock_release, [:pointer], :int32
    blocking :zk_lock_cancel, [:pointer], :int32
    blocking :zk_lock_contenders, %i[pointer pointer], :int32
    blocking :zk_lock_fencing_token, %i[pointer pointer], :int32
    blocking :zk_lock_is_acquired, [:pointer], :bool
    blocking :zk_lock_free, [:pointer], :void

    blocking :zk_election_new, %i[pointer string pointer size_t pointer], :int32
    blocking :zk_election_is_leader, [:pointer], :bool
    blocking :zk_election_run, %i[pointer leader_fn pointer], :int32
    blocking :zk_election_cancel, [:pointer], :int32
    blocking :zk_election_contenders, %i[pointer pointer], :int32
    blocking :zk_election_free, [:pointer], :void

    blocking :zk_counter_new, %i[pointer string int64 pointer], :int32
    blocking :zk_counter_new_int32, %i[pointer string int64 pointer], :int32
    blocking :zk_counter_new_int64, %i[pointer string int64 pointer], :int32
    blocking :zk_counter_value, %i[pointer pointer], :int32
    blocking :zk_counter_add, %i[pointer int64 pointer], :int32
    blocking :zk_counter_free, [:pointer], :void

    # Raises the ZkClient::Error subclass of +code+ with the library's message (read on this
    # thread, right after the failing call) unless +code+ is ZK_OK.
    def self.check(code)
      return if code.zero?

      raise Error.for_code(code).new(zk_last_error_message.to_s.dup, code: code)
    end

    # A copy of a zk_buffer's bytes (binary), then frees it.
    def self.take_bytes(buffer)
      len = buffer[:len]
      bytes = len.zero? || buffer[:data].null? ? String.new(encoding: Encoding::BINARY) : buffer[:data].read_bytes(len)
      zk_buffer_free(buffer.pointer)
      bytes
    end

    # The strings of a zk_string_list (UTF-8), then frees it.
    def self.take_strings(list)
      strings = read_strings(list)
      zk_string_list_free(list.pointer)
      strings
    end

    def self.read_strings(list)
      count = list[:count]
      return [] if count.zero? || list[:items].null?

      list[:items].get_array_of_pointer(0, count).map { |p| utf8(p.read_string) }
    end

    # A string returned through a char** out-parameter, then frees it.
    def self.take_string(pointer_to_string)
      text = pointer_to_string.read_pointer
      return nil if text.null?

      value = utf8(text.read_string)
      zk_string_free(text)
      value
    end

    # A borrowed C string (nil for NULL) as UTF-8.
    def self.read_text(pointer)
      pointer.nil? || pointer.null? ? nil : utf8(pointer.read_string)
    end

    def self.utf8(bytes)
      bytes.force_encoding(Encoding::UTF_8)
    end

    # A native copy of +bytes+ (a String) for a (pointer, length) argument; NULL when empty.
    def self.bytes_pointer(bytes)
      return [nil, 0] if bytes.bytesize.zero?

      memory = FFI::MemoryPointer.new(:uint8, bytes.bytesize)
      memory.put_bytes(0, bytes)
      [memory, bytes.bytesize]
    end
  end
end
