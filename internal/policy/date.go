package policy

import (
	"math"
	"time"
)

// parseDate reads a Date* condition value or a date request value: the W3C
// profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD, with an optional
// Thh[:mm[:ss[.fraction]]] and a zone Z or ±hh[:mm]; 't' and 'z' in any
// case) or integer epoch seconds (0 … 2^63-1). A partial date means its
// first instant; no zone means UTC. It never allocates.
func parseDate(s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, false
	}
	isoLike := false
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '-' || c == 't' || c == 'T' {
			isoLike = true
			break
		}
	}
	if !isoLike {
		var v uint64
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return time.Time{}, false
			}
			if v > (math.MaxInt64-uint64(c-'0'))/10 {
				return time.Time{}, false
			}
			v = v*10 + uint64(c-'0')
		}
		return time.Unix(int64(v), 0).UTC(), true
	}
	i := 0
	num := func(min, max int) (int, bool) {
		start := i
		v := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && i-start < 9 {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == start || v < min || v > max {
			return 0, false
		}
		return v, true
	}
	neg := false
	if s[0] == '-' {
		neg = true
		i++
	}
	year, ok := num(0, 292278993)
	if !ok {
		return time.Time{}, false
	}
	if neg {
		year = -year
	}
	month, day := 1, 1
	if i < len(s) && s[i] == '-' {
		i++
		if month, ok = num(1, 12); !ok {
			return time.Time{}, false
		}
		if i < len(s) && s[i] == '-' {
			i++
			if day, ok = num(1, 31); !ok {
				return time.Time{}, false
			}
		}
	}
	hour, minute, sec, nsec := 0, 0, 0, 0
	offset := 0
	if i < len(s) {
		if s[i] != 'T' && s[i] != 't' {
			return time.Time{}, false
		}
		i++
		if i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if hour, ok = num(0, 23); !ok {
				return time.Time{}, false
			}
			if i < len(s) && s[i] == ':' {
				i++
				if minute, ok = num(0, 59); !ok {
					return time.Time{}, false
				}
				if i < len(s) && s[i] == ':' {
					i++
					if sec, ok = num(0, 59); !ok {
						return time.Time{}, false
					}
					if i < len(s) && s[i] == '.' {
						i++
						start := i
						for i < len(s) && s[i] >= '0' && s[i] <= '9' {
							if i-start < 9 {
								nsec = nsec*10 + int(s[i]-'0')
							}
							i++
						}
						n := i - start
						if n == 0 {
							return time.Time{}, false
						}
						for ; n < 9; n++ {
							nsec *= 10
						}
					}
				}
			}
		}
		if i < len(s) {
			switch s[i] {
			case 'Z', 'z':
				i++
			case '+', '-':
				sign := 1
				if s[i] == '-' {
					sign = -1
				}
				i++
				start := i
				h, ok := num(0, 23)
				if !ok || i-start != 2 {
					return time.Time{}, false
				}
				m := 0
				if i < len(s) && s[i] == ':' {
					i++
					start = i
					if m, ok = num(0, 59); !ok || i-start != 2 {
						return time.Time{}, false
					}
				}
				offset = sign * (h*3600 + m*60)
			default:
				return time.Time{}, false
			}
		}
	}
	if i != len(s) {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	return t.Add(-time.Duration(offset) * time.Second), true
}
