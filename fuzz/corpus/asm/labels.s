	r0 = 0
	r1 = 10
loop:
	r0 += 2
	r1 -= 1
	if r1 != 0 goto loop
	if w0 s> 5 goto out
	goto +1
	r0 = 1
out:
	exit
