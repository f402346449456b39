# frozen_string_literal: true

class ZkClient
  # Every failure of the library: one class per code of the C API's zk_error enum, each
  # carrying the code (#code, ZooKeeper's own number for server errors: NoNodeError is -101)
  # and the library's message (zk_last_error_message, e.g. `no node (path "/a/b")`).
  #
  #   rescue ZkClient::NoNodeError => e
  #     e.code    # => -101
  #     e.name    # => "ZK_ENONODE"
  #     e.message # => "no node (path \"/a/b\")"
  class Error < StandardError
    # The zk_error code (an Integer).
    attr_reader :code

    def initialize(message = nil, code: nil)
      @code = code || self.class.const_get(:CODE)
      text = message.to_s
      super(text.empty? ? "#{ZkClient::Native.zk_error_str(@code)} (#{@code})" : text)
    end

    # The code's C name, e.g. "ZK_ENONODE".
    def name
      ZkClient::Native.zk_error_str(code)
    end

    CODE = -1_000_000 # not a zk_error: errors of an unknown code use Error itself

    @classes = {}

    class << self
      # The class for +code+ (Error itself for a number this binding does not know).
      def for_code(code)
        Error.instance_variable_get(:@classes).fetch(code, Error)
      end

      # Every class by its code.
      def classes
        Error.instance_variable_get(:@classes).dup
      end

      def define(name, code, parent = Error)
        klass = Class.new(parent)
        klass.const_set(:CODE, code)
        ZkClient.const_set(name, klass)
        Error.instance_variable_get(:@classes)[code] = klass
        klass
      end
    end
  end

  # Server errors, ZooKeeper's numbers.
  Error.define(:SystemError, -1)
  Error.define(:RuntimeInconsistencyError, -2)
  Error.define(:DataInconsistencyError, -3)
  # The connection was lost before the reply: the request MAY OR MAY NOT have been applied.
  Error.define(:ConnectionLossError, -4)
  Error.define(:MarshallingError, -5)
  Error.define(:UnimplementedError, -6)
  Error.define(:OperationTimeoutError, -7)
  Error.define(:BadArgumentsError, -8)
  Error.define(:UnknownSessionError, -12)
  Error.define(:NewConfigNoQuorumError, -13)
  Error.define(:ReconfigInProgressError, -14)
  Error.define(:APIError, -100)
  Error.define(:NoNodeError, -101)
  Error.define(:NoAuthError, -102)
  Error.define(:BadVersionError, -103)
  Error.define(:NoChildrenForEphemeralsError, -108)
  Error.define(:NodeExistsError, -110)
  Error.define(:NotEmptyError, -111)
  Error.define(:SessionExpiredError, -112)
  Error.define(:InvalidCallbackError, -113)
  Error.define(:InvalidACLError, -114)
  Error.define(:AuthFailedError, -115)
  Error.define(:ClosingError, -116)
  Error.define(:NothingError, -117)
  Error.define(:SessionMovedError, -118)
  Error.define(:NotReadOnlyError, -119)
  Error.define(:EphemeralOnLocalSessionError, -120)
  Error.define(:NoWatcherError, -121)
  Error.define(:RequestTimeoutError, -122)
  Error.define(:ReconfigDisabledError, -123)
  Error.define(:SessionClosedRequireSASLAuthError, -124)
  Error.define(:QuotaExceededError, -125)
  Error.define(:ThrottledError, -127)
  # Raised by the library itself: -1000 and below.
  Error.define(:InvalidArgumentError, -1001) # ZK_EINVAL: nothing was sent
  Error.define(:BadPathError, -1002)         # the path breaks ZooKeeper's rules; nothing was sent
  Error.define(:TooLargeError, -1003)        # over the server's 1 MiB limit; nothing was sent
  Error.define(:ReplyTooLargeError, -1004)   # the request WAS applied
  Error.define(:TimeoutError, -1005)         # a wait ran out of time (start, a lock, ...)
  Error.define(:ClosedError, -1006)          # the client is stopped or closed
  Error.define(:PanicError, -1007)           # a bug inside the library; the process is intact
  Error.define(:ForceRetryError, -1008)
  Error.define(:ForkedError, -1009)          # a client inherited over fork()
  Error.define(:NetworkThreadsError, -1010)  # ZK_ERUNTIME: the network threads could not start
  Error.define(:TLSError, -1011)
  Error.define(:TLSUnknownCAError, -1012, TLSError)
  Error.define(:TLSHostnameError, -1013, TLSError)
  Error.define(:TLSExpiredError, -1014, TLSError)
  Error.define(:TLSClientCertError, -1015, TLSError)
  Error.define(:NotTLSError, -1016, TLSError)
end
