# Runs one example for ctest: it passes only when the program exits 0 AND its output matches
# PASS_REGEX (ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit status, and with
# it sanitizer reports printed at exit).
# With SERVERS ("OPTIONS|OPTIONS|..."), the program runs through run_with_own_server.sh
# against servers of its own, one per entry, each started with
# `scripts/zk-server.sh start DIR OPTIONS` (an empty entry: a plain server).
set(command "${PROGRAM}")
if(DEFINED SERVERS)
    string(REPLACE "|" ";" server_list "${SERVERS}")
    set(command "${CMAKE_CURRENT_LIST_DIR}/run_with_own_server.sh")
    foreach(server_options IN LISTS server_list)
        list(APPEND command "--server=${server_options}")
    endforeach()
    list(APPEND command "${PROGRAM}")
endif()
execute_process(COMMAND ${command} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}")
if(err)
    message("stderr:\n${err}")
endif()
if(NOT status EQUAL 0)
    message(FATAL_ERROR "${PROGRAM} exited with ${status}")
endif()
if(NOT out MATCHES "${PASS_REGEX}")
    message(FATAL_ERROR "${PROGRAM}: output does not match: ${PASS_REGEX}")
endif()
