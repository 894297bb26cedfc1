package authzapi

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iamd/iamd/authzclient"
)

var decodeSeeds = []struct {
	body string
	fast bool // the fast path takes it
}{
	{`{"principal":{"arn":"arn:aws:iam::123456789012:user/reader"},"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{"aws:SourceIp":["10.1.2.3"]}}`, true},
	{` { "principal" : { "accessKeyId" : "AKIAX" } , "action":"s3:GetObject", "resources":["a","b"], "resourceAccount":"1", "resourcePolicy":"{}" }` + "\n", true},
	{`{"principal":{"arn":"a"},"action":"x:Y","resources":[],"context":{}}`, true},
	{`{"context":{"k":[],"k2":["a","b"],"k":["c"]}}`, true},
	{`{}`, true},
	{`{"principal":{}}`, true},
	{`{"principal":{"arn":"a"},"checks":[{"action":"s3:GetObject","resource":"r"},{"action":"s3:PutObject","resources":["x"],"context":{"a":["b"]}}],"context":{"aws:SourceIp":["10.0.0.1"]}}`, true},
	{`{"checks":[]}`, true},
	// Left to encoding/json.
	{`{"principal":null,"action":"a"}`, false},
	{`{"Action":"s3:GetObject"}`, false},
	{`{"action":"s3:Get\u004fbject"}`, false},
	{`{"action":"é"}`, false},
	{`{"action":"a","action":"b"}`, false},
	{`{"principal":{"arn":"a"},"principal":{"accessKeyId":"k"}}`, false},
	{`{"request":{"method":"GET","path":"/","headers":{}}}`, false},
	{`{"action":"a"} trailing`, false},
	{`{"action":"a",}`, false},
	{`{"action":1}`, false},
	{`{"context":{"k":"v"}}`, false},
	{`{"unknown":"x"}`, false},
	{`[]`, false},
	{``, false},
	{`{"action":"a"`, false},
	{`{"context":null}`, false},
}

// decodeBoth decodes body with the fast path and with encoding/json as
// the handler does, into both request types.
func decodeBoth(t *testing.T, body []byte) (fast bool) {
	t.Helper()
	var c1, c2 authzclient.CheckRequest
	okC := decodeCheckFast(body, &c1)
	if okC {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c2); err != nil {
			t.Fatalf("%q: fast path accepted a check request encoding/json refuses: %v", body, err)
		}
		if !reflect.DeepEqual(c1, c2) {
			t.Fatalf("%q: check request\nfast %+v\njson %+v", body, c1, c2)
		}
	}
	var b1, b2 authzclient.BatchRequest
	okB := decodeBatchFast(body, &b1)
	if okB {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b2); err != nil {
			t.Fatalf("%q: fast path accepted a batch request encoding/json refuses: %v", body, err)
		}
		if !reflect.DeepEqual(b1, b2) {
			t.Fatalf("%q: batch request\nfast %+v\njson %+v", body, b1, b2)
		}
	}
	return okC || okB
}

func TestDecodeFast(t *testing.T) {
	for _, s := range decodeSeeds {
		if got := decodeBoth(t, []byte(s.body)); got != s.fast {
			t.Errorf("%q: fast path took it: %v, want %v", s.body, got, s.fast)
		}
	}
}

func FuzzDecodeFast(f *testing.F) {
	for _, s := range decodeSeeds {
		f.Add([]byte(s.body))
	}
	f.Fuzz(func(t *testing.T, body []byte) { decodeBoth(t, body) })
}
