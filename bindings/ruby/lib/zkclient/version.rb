# frozen_string_literal: true

class ZkClient
  # The binding's version (it follows the library's).
  VERSION = "0.1.0"
end
