# Runs one example for ctest: it passes only when the program exits 0 AND its output matches
# PASS_REGEX (ctest's PASS_REGULAR_EXPRESSION alone would ignore the exit status, and with
# it sanitizer reports printed at exit).
execute_process(COMMAND "${PROGRAM}" RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err)
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
