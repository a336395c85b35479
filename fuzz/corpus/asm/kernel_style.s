r0 = *(u32 *)(r1 +4)
if r0 > 0x10 goto pc+2
r0 |= 1
goto pc+1
r0 &= 0xff
exit
