# frozen_string_literal: true

# Runs every test: ruby -Ilib -Itest test/run.rb (from bindings/ruby), with ZK_TEST_HOSTS
# naming the server and ZKCLIENT_LIBRARY the library when it is not installed.
Dir[File.join(__dir__, "*_test.rb")].sort.each { |file| require file }
