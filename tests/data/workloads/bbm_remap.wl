# Break-before-make: valid leaves replaced by different valid ones (the bbm engine variant writes
# 0, makes a barrier, then writes the new value). Expected: sekvm none; bbm transient faults only.
map 1 0x40000000 3 0x10000007ff   # a 4 KiB page
map 1 0x40000000 3 0x10000357ff   # moved to another host page (page migration)
map 1 0x40200000 2 0x10002007fd   # a 2 MiB block
map 1 0x40200000 2 0x10004007fd   # moved to another host huge page
unmap 1 0x40000000 3              # an unmap is only the break
