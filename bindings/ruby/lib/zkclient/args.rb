# frozen_string_literal: true

class ZkClient
  # Checks and converts arguments before they reach C (internal): wrong types raise
  # TypeError, bad values ArgumentError, bad paths BadPathError; never a crash.
  module Args
    INT32 = (-2**31..2**31 - 1).freeze
    INT64 = (-2**63..2**63 - 1).freeze
    UINT32_MS = (0..2**32 - 1).freeze

    module_function

    # A path as the NUL-terminated UTF-8 the library takes (it checks ZooKeeper's rules).
    def path(value, name = "path")
      raise TypeError, "#{name} must be a String, not #{describe(value)}" unless value.is_a?(String)

      text = utf8(value, name, BadPathError)
      raise BadPathError, "#{name} #{value.inspect} contains a NUL byte" if text.include?("\0")

      text.freeze
    end

    # A string argument that is not a path (hosts, scheme): UTF-8 without NUL bytes.
    def text(value, name)
      raise TypeError, "#{name} must be a String, not #{describe(value)}" unless value.is_a?(String)

      text = utf8(value, name, ArgumentError)
      raise ArgumentError, "#{name} contains a NUL byte" if text.include?("\0")

      text.freeze
    end

    # Node data and identifiers: any String, taken as its bytes.
    def bytes(value, name = "data")
      raise TypeError, "#{name} must be a String, not #{describe(value)}" unless value.is_a?(String)

      value.b
    end

    # An optional identifier (nil: empty).
    def identifier(value)
      value.nil? ? "".b : bytes(value, "identifier")
    end

    def integer(value, name, range)
      raise TypeError, "#{name} must be an Integer, not #{describe(value)}" unless value.is_a?(Integer)
      raise ArgumentError, "#{name} #{value} is out of range #{range}" unless range.cover?(value)

      value
    end

    def version(value)
      integer(value, "version", INT32)
    end

    # Seconds (any Numeric) as whole milliseconds, at least +min+ ms.
    def millis(value, name, range: UINT32_MS, min: 0)
      raise TypeError, "#{name} must be a number of seconds, not #{describe(value)}" unless value.is_a?(Numeric) && value.real?
      raise ArgumentError, "#{name} must not be negative (#{value})" if value.negative?
      raise ArgumentError, "#{name} must be finite (#{value})" unless value.finite?

      ms = (value * 1000).ceil
      ms = min if ms < min
      raise ArgumentError, "#{name} #{value} s is out of range" unless range.cover?(ms)

      ms
    end

    # Seconds, or nil / Float::INFINITY for no limit (-1), as the int64 milliseconds of a
    # recipe wait.
    def wait_millis(value, name = "timeout")
      return -1 if value.nil? || value == Float::INFINITY

      millis(value, name, range: 0..INT64.max)
    end

    def boolean(value, name)
      raise TypeError, "#{name} must be true or false, not #{describe(value)}" unless [true, false].include?(value)

      value
    end

    # The watch of a read: a `watch:` callable or a block, not both.
    def watcher(watch, block)
      raise ArgumentError, "give a watch: or a block, not both" if watch && block

      callable = watch || block
      raise TypeError, "watch must respond to #call, not #{describe(callable)}" if callable && !callable.respond_to?(:call)

      callable
    end

    def describe(value)
      value.nil? ? "nil" : value.class.name
    end

    def utf8(value, name, error)
      if value.encoding == Encoding::UTF_8 || value.encoding == Encoding::BINARY || value.ascii_only?
        # Bytes as they are: the library refuses what is not UTF-8.
        value.b.force_encoding(Encoding::UTF_8)
      else
        value.encode(Encoding::UTF_8)
      end
    rescue EncodingError => e
      raise error, "#{name} #{value.inspect} cannot be converted to UTF-8: #{e.message}"
    end

    # Calls +callable+ with as many of +args+ as it takes (a lambda or method with fewer
    # parameters gets the first ones; a proc ignores extras anyway).
    def call_with(callable, *args)
      arity = callable.respond_to?(:arity) ? callable.arity : -1
      if arity >= 0 && (!callable.respond_to?(:lambda?) || callable.lambda?)
        callable.call(*args.first(arity))
      else
        callable.call(*args)
      end
    end
  end
end
