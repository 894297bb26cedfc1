package api

import (
	"fmt"
	"sort"
	"strings"
)

// OperationInfo is one row of the operation table.
type OperationInfo struct {
	Service     string // "iam" or "sts"
	Name        string
	Paginated   bool
	Unsigned    bool
	Implemented bool // a handler is registered
}

// OperationTable lists every IAM and STS operation, STS first then IAM, each
// by name, with whether this server has a handler for it.
func (s *Server) OperationTable() []OperationInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []OperationInfo
	for _, ops := range s.ops {
		for _, o := range ops {
			_, ok := s.handlers[o]
			out = append(out, OperationInfo{Service: o.Service, Name: o.Name, Paginated: o.Paginated, Unsigned: o.Unsigned, Implemented: ok})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Service != out[j].Service {
			return out[i].Service > out[j].Service // sts before iam
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// MarkdownOperationTable renders the table for the README: a summary line
// then one row per operation.
func MarkdownOperationTable(ops []OperationInfo) string {
	var b strings.Builder
	count := map[string][2]int{}
	for _, o := range ops {
		c := count[o.Service]
		c[1]++
		if o.Implemented {
			c[0]++
		}
		count[o.Service] = c
	}
	fmt.Fprintf(&b, "Implemented: STS %d of %d, IAM %d of %d operations.\n\n", count["sts"][0], count["sts"][1], count["iam"][0], count["iam"][1])
	b.WriteString("| Service | Operation | Implemented | Paginated | Signed |\n|---|---|---|---|---|\n")
	yes := func(v bool) string {
		if v {
			return "yes"
		}
		return ""
	}
	for _, o := range ops {
		signed := "yes"
		if o.Unsigned {
			signed = "no"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", strings.ToUpper(o.Service), o.Name, yes(o.Implemented), yes(o.Paginated), signed)
	}
	return b.String()
}
