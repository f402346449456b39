# frozen_string_literal: true

class ZkClient
  # One server of the ensemble's configuration (a server.N= line): +id+, +role+
  # (:participant or :observer), quorum and election addresses, the client address
  # (+client_host+ nil and +client_port+ 0 when it has none; +connect_host+ is the host to
  # connect to, the quorum host when the client host is a wildcard such as 0.0.0.0) and
  # +spec+, the line as #reconfig takes it (keep it to add a removed server back).
  Member = Struct.new(:id, :role, :quorum_host, :quorum_port, :election_port, :client_host,
                      :client_port, :connect_host, :spec, keyword_init: true) do
    def participant?
      role == :participant
    end

    def observer?
      role == :observer
    end
  end

  # The ensemble's configuration (/zookeeper/config, parsed): +version+ (the zxid of the
  # reconfig that made it, for reconfig's from_version:; 0 for a standalone server),
  # +members+ (Member objects in the order of the text; empty for a standalone server),
  # +data+ (the node's bytes as sent), +stat+ and +connect_string+ (the members' client
  # addresses, "h1:p1,h2:p2").
  EnsembleConfig = Struct.new(:version, :members, :data, :stat, :connect_string, keyword_init: true) do
    # The member whose id is +id+, or nil.
    def member(id)
      members.find { |m| m.id == id }
    end

    def ids
      members.map(&:id)
    end

    # @api private A frozen copy of a zk_ensemble_config the caller owns, which is freed.
    def self.take(pointer)
      count = Native.zk_ensemble_config_member_count(pointer)
      members = Array.new(count) do |index|
        m = Native.zk_ensemble_config_member(pointer, index)
        role = Native.zk_ensemble_member_role(m)
        Member.new(id: Native.zk_ensemble_member_id(m),
                   role: MEMBER_ROLES.fetch(role, role),
                   quorum_host: Native.read_text(Native.zk_ensemble_member_quorum_host(m)),
                   quorum_port: Native.zk_ensemble_member_quorum_port(m),
                   election_port: Native.zk_ensemble_member_election_port(m),
                   client_host: Native.read_text(Native.zk_ensemble_member_client_host(m)),
                   client_port: Native.zk_ensemble_member_client_port(m),
                   connect_host: Native.read_text(Native.zk_ensemble_member_connect_host(m)),
                   spec: Native.read_text(Native.zk_ensemble_member_spec(m))).freeze
      end
      length = FFI::MemoryPointer.new(:size_t)
      data = Native.zk_ensemble_config_data(pointer, length)
      len = length.read(:size_t)
      stat = Native::Stat.new
      Native.check(Native.zk_ensemble_config_stat(pointer, stat))
      new(version: Native.zk_ensemble_config_version(pointer), members: members.freeze,
          data: len.zero? || data.null? ? "".b : data.read_bytes(len),
          stat: Stat.from_native(stat),
          connect_string: Native.read_text(Native.zk_ensemble_config_connect_string(pointer)).to_s).freeze
    ensure
      Native.zk_ensemble_config_free(pointer)
    end
  end

  # An identity the server knows a session by (#who_am_i): +scheme+ ("ip", "digest",
  # "x509", "sasl", "super") and +id+ within it.
  Identity = Struct.new(:scheme, :id)

  MEMBER_ROLES = { 0 => :participant, 1 => :observer }.freeze
end
