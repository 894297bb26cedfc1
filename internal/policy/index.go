package policy

// table is a frozen open-addressing hash table from a 64-bit key (already
// a hash) to a list of statement indices. Lookups are a mask, a compare or
// two, and a slice: a few nanoseconds, where a Go map costs several times
// that. Built once by Compile; read-only afterwards.
type table struct {
	keys  []uint64
	spans []span
	data  []int32
	mask  uint64
}

type span struct{ off, n uint32 }

// zeroKey replaces a key of 0, which marks an empty slot.
const zeroKey = 0x9e3779b97f4a7c15

func fixKey(k uint64) uint64 {
	if k == 0 {
		return zeroKey
	}
	return k
}

func slot(k uint64) uint64 { return k ^ (k >> 29) }

func newTable(m map[uint64][]int32) table {
	if len(m) == 0 {
		return table{}
	}
	size := uint64(4)
	for size < uint64(len(m))*2 {
		size <<= 1
	}
	t := table{keys: make([]uint64, size), spans: make([]span, size), mask: size - 1}
	for k, list := range m {
		k = fixKey(k)
		i := slot(k) & t.mask
		for t.keys[i] != 0 {
			i = (i + 1) & t.mask
		}
		t.keys[i] = k
		t.spans[i] = span{off: uint32(len(t.data)), n: uint32(len(list))}
		t.data = append(t.data, list...)
	}
	return t
}

func (t *table) get(k uint64) []int32 {
	if t.keys == nil {
		return nil
	}
	k = fixKey(k)
	for i := slot(k) & t.mask; ; i = (i + 1) & t.mask {
		switch t.keys[i] {
		case k:
			s := t.spans[i]
			return t.data[s.off : s.off+s.n]
		case 0:
			return nil
		}
	}
}
