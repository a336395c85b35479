r1 = 0x1122334455667788 ll
r2 = 0 ll
call 5
call 7
gotol +1
r0 = 1
exit
