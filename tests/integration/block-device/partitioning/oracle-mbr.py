# DIB's own MBR writer (level1/mbr.py) as an oracle: writes partitions into a sparse file.
# argv: image disk_size align_bytes disk_id spec...   spec = P|L:boot(0/1):size_bytes:type_hex
import random, sys
from diskimage_builder.block_device.level1.mbr import MBR
image, size, align, disk_id = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
random.randint = lambda a, b: disk_id
with open(image, 'wb') as f:
    f.truncate(size)
with MBR(image, size, align) as m:
    for spec in sys.argv[5:]:
        kind, boot, nbytes, ptype = spec.split(':')
        m.add_partition(kind == 'P', boot == '1', int(nbytes), int(ptype, 16))
