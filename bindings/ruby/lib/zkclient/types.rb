# frozen_string_literal: true

class ZkClient
  # A node's metadata (ZooKeeper's Stat). Times are milliseconds since the epoch
  # (#created_at / #modified_at give Time objects).
  Stat = Struct.new(:czxid, :mzxid, :ctime, :mtime, :version, :cversion, :aversion,
                    :ephemeral_owner, :data_length, :num_children, :pzxid, keyword_init: true) do
    # A copy of a native zk_stat (nil for a NULL pointer).
    def self.from_native(pointer)
      return nil if pointer.nil? || pointer.null?

      native = pointer.is_a?(Native::Stat) ? pointer : Native::Stat.new(pointer)
      new(**members.to_h { |name| [name, native[name]] }).freeze
    end

    def ephemeral?
      ephemeral_owner != 0
    end

    def created_at
      Time.at(ctime / 1000r)
    end

    def modified_at
      Time.at(mtime / 1000r)
    end
  end

  # What a watch block receives: +type+ (:created, :deleted, :changed, :child, :session,
  # :data_watch_removed, :child_watch_removed, :persistent_watch_removed), the connection's
  # +keeper_state+ (a KEEPER_STATES symbol) and the watched +path+ (without the chroot).
  # A :session event means the session ended before the node changed: the watch is gone.
  WatchEvent = Struct.new(:type, :keeper_state, :path, keyword_init: true) do
    def session?
      type == :session
    end

    def self.from_native(pointer)
      return nil if pointer.nil? || pointer.null?

      native = Native::WatchEvent.new(pointer)
      path = native[:path].null? ? nil : Native.utf8(native[:path].read_string)
      new(type: EVENT_TYPES.fetch(native[:event_type], native[:event_type]),
          keeper_state: KEEPER_STATES.fetch(native[:keeper_state], native[:keeper_state]),
          path: path).freeze
    end
  end

  # kazoo's connection states.
  STATES = { 0 => :lost, 1 => :suspended, 2 => :connected }.freeze
  # ZooKeeper's raw keeper states.
  KEEPER_STATES = { 0 => :disconnected, 3 => :sync_connected, 4 => :auth_failed,
                    5 => :connected_read_only, 6 => :sasl_authenticated, -112 => :expired,
                    7 => :closed }.freeze
  EVENT_TYPES = { -1 => :session, 1 => :created, 2 => :deleted, 3 => :changed, 4 => :child,
                  5 => :data_watch_removed, 6 => :child_watch_removed,
                  7 => :persistent_watch_removed }.freeze

  # zk_create_mode values.
  CREATE_MODES = { persistent: 0, ephemeral: 1, persistent_sequential: 2,
                   ephemeral_sequential: 3, container: 4 }.freeze
end
