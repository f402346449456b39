# frozen_string_literal: true

# zkclient: a ZooKeeper client for Ruby over libzkclient (the ffi gem). See ZkClient.
#
# The library is loaded from ZKCLIENT_LIBRARY (a path to libzkclient.so) when set, else the
# installed libzkclient.so / libzkclient.so.0.
class ZkClient
end

require_relative "zkclient/version"
require_relative "zkclient/native"
require_relative "zkclient/errors"
require_relative "zkclient/types"
require_relative "zkclient/ensemble"
require_relative "zkclient/args"
require_relative "zkclient/guard"
require_relative "zkclient/dispatcher"
require_relative "zkclient/watches"
require_relative "zkclient/recipes"
require_relative "zkclient/client"
