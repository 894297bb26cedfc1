package policy

import "testing"

func TestRequestIndependent(t *testing.T) {
	for _, tc := range []struct {
		name string
		kind Kind
		doc  string
		want bool
	}{
		{"actions and resources", KindIdentity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamd:Authorize","Resource":"*"},{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}`, true},
		{"condition", KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}`, false},
		{"variable", KindIdentity, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`, false},
		{"variable text without version 2012", KindIdentity, `{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}}`, true},
		{"principal", KindResource, `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}`, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(tc.kind, []byte(tc.doc))
			if err != nil {
				t.Fatal(err)
			}
			c, err := Compile("p", tc.kind, p)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.RequestIndependent(); got != tc.want {
				t.Fatalf("RequestIndependent = %v, want %v", got, tc.want)
			}
			set := Set{Identity: []*Compiled{c}}
			if got := set.Prepare().RequestIndependent(); got != tc.want {
				t.Fatalf("prepared: RequestIndependent = %v, want %v", got, tc.want)
			}
		})
	}
}
