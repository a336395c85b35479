r0 = 0
r1 = 7
w2 = 3
r0 += r1
r0 *= 3
w2 -= w1
r0 <<= 2
r0 s>>= 1
r0 ^= r2
r0 = -r0
w0 = (s8)w1
r0 = (s16)r2
r0 = bswap16 r0
r0 = be32 r0
exit
