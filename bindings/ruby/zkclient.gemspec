# frozen_string_literal: true

require_relative "lib/zkclient/version"

Gem::Specification.new do |spec|
  spec.name = "zkclient"
  spec.version = ZkClient::VERSION
  spec.summary = "ZooKeeper client for Ruby over libzkclient (kazoo's features, one network thread)"
  spec.description = <<~TEXT
    A Ruby library over libzkclient, the zkclient C library, through the ffi gem: CRUD,
    one-shot, persistent and re-arming watches as blocks, state listeners, and kazoo's
    Lock, Election and Counter recipes (interoperable with kazoo). Needs libzkclient.so.0
    installed, or ZKCLIENT_LIBRARY naming it.
  TEXT
  spec.authors = ["zkclient developers"]
  spec.license = "Apache-2.0"
  spec.required_ruby_version = ">= 3.0"
  spec.files = Dir[File.join(__dir__, "lib", "**", "*.rb")].map { |f| f.delete_prefix("#{__dir__}/") } + ["README.md"]
  spec.require_paths = ["lib"]
  spec.add_dependency "ffi", ">= 1.15", "< 2"
  spec.add_development_dependency "minitest", "~> 5.14"
end
