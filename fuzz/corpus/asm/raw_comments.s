; raw encodings and comments
	.insn 0xb7, 0, 0, 0, 42    ; r0 = 42
	.insn 0x07, 10, 0, 0, 8    # a write to r10: encodable, refused by the checker
	// call through a register (not Linux ISA)
	.insn 0x8d, 2, 0, 0, 0
	r1 = 0 ll                  # a 64-bit immediate
	exit
