; ipv4_csum.s — a tc classifier (sched_cls): does this Ethernet frame carry an IPv4 header
; with a valid checksum? In: r1 = struct __sk_buff. Out: r0 = 1 valid, 0 invalid,
; -1 not IPv4 or too short. Direct packet access: every load is proven below data_end.
; The one's-complement sum of a correct header, checksum field included, folds to 0xffff.
	r0 = -1
	r2 = *(u32 *)(r1 + 76)		; skb->data
	r3 = *(u32 *)(r1 + 80)		; skb->data_end
	r4 = r2
	r4 += 34			; 14 bytes Ethernet + 20 bytes minimal IPv4
	if r4 > r3 goto out
	r4 = *(u16 *)(r2 + 12)		; EtherType, network order: 08 00 reads as 0x0008
	if r4 != 8 goto out
	r5 = *(u8 *)(r2 + 14)		; version and header length (IHL)
	r4 = r5
	r4 >>= 4
	if r4 != 4 goto out
	r5 &= 15
	r5 <<= 1			; header length in 16-bit words
	if r5 < 10 goto out
	r6 = r2
	r6 += 14			; header start
	r7 = 0				; words summed
	r0 = 0
sum:
	r8 = r6
	r8 += 2
	if r8 > r3 goto short		; an IHL longer than the frame
	r4 = *(u16 *)(r6 + 0)		; byte order does not matter for a one's-complement sum
	r0 += r4
	r6 += 2
	r7 += 1
	if r7 < r5 goto sum		; at most 30 words: the verifier walks this bounded loop
	r3 = r0				; fold the carries twice: 30 words sum below 2^21,
	r3 >>= 16			; so two folds always reach 16 bits
	r0 &= 65535
	r0 += r3
	r3 = r0
	r3 >>= 16
	r0 &= 65535
	r0 += r3
	r3 = r0
	r0 = 0
	if r3 != 65535 goto out
	r0 = 1
out:
	exit
short:
	r0 = -1
	exit
