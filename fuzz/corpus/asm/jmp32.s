w0 = 1
if w0 == 1 goto +1
w0 = 2
if w0 s>= w1 goto +0
w0 %= 3
w0 /= 2
r0 s/= 5
r0 s%= 7
exit
