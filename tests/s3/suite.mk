# tests/s3/suite.mk — the S3 integration suite's driver binary.
# build/tests/s3_tool links the agent objects (minus ag_main.o) like the unit
# tests, and is built by `make unit` so that tests/s3/run finds it.

$(B)/tests/s3_tool: tests/s3/s3_tool.c $(AGENT_LIBOBJ) $(COMMON_OBJ) | $(B)/tests
	$(CC) $(AGENT_CFLAGS) $(LDFLAGS_ALL) -o $@ $(filter %.c %.o,$^) $(TRANSFER_LIBS)

unit: $(B)/tests/s3_tool
