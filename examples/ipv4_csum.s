; ipv4_csum.s — does this Ethernet frame carry an IPv4 header with a valid checksum?
; In: r1 = frame, r2 = frame length. Out: r0 = 1 valid, 0 invalid, -1 not IPv4 / too short.
; The one's-complement sum of a correct header, checksum field included, folds to 0xffff.
	r0 = -1
	if r2 < 34 goto out		; 14 bytes Ethernet + 20 bytes minimal IPv4
	r3 = *(u16 *)(r1 + 12)		; EtherType, network order: 08 00 reads as 0x0008
	if r3 != 8 goto out
	r4 = *(u8 *)(r1 + 14)		; version and header length (IHL)
	r5 = r4
	r5 >>= 4
	if r5 != 4 goto out
	r4 &= 15
	r4 <<= 2			; header length in bytes
	if r4 < 20 goto out
	r5 = r4
	r5 += 14
	if r5 > r2 goto out		; header must fit in the frame
	r6 = r1
	r6 += 14			; header start
	r7 = r6
	r7 += r4			; header end
	r0 = 0
sum:
	r3 = *(u16 *)(r6 + 0)		; byte order does not matter for a one's-complement sum
	r0 += r3
	r6 += 2
	if r6 < r7 goto sum
fold:
	r3 = r0
	r3 >>= 16
	r0 &= 65535
	r0 += r3
	r3 = r0
	r3 >>= 16
	if r3 != 0 goto fold
	r3 = r0
	r0 = 0
	if r3 != 65535 goto out
	r0 = 1
out:
	exit
