package redact

import (
	"strings"
	"testing"
)

func TestIsSecret(t *testing.T) {
	secret := []string{"TOKEN", "api_key", "DB_PASSWORD", "x-auth-header", "Cookie", "SECRET_SAUCE", "privateKey", "TLS_CERT_FILE", "passwd"}
	plain := []string{"PORT", "region", "LOG_LEVEL", "name", "", "replicas"}
	for _, k := range secret {
		if !IsSecret(k) {
			t.Errorf("%q not seen as secret", k)
		}
	}
	for _, k := range plain {
		if IsSecret(k) {
			t.Errorf("%q seen as secret", k)
		}
	}
}

func TestMap(t *testing.T) {
	in := map[string]int{"API_TOKEN": 1, "PORT": 2}
	out := Map(in, func(k string) string { return k })
	if out["API_TOKEN"] != Mask || out["PORT"] != 2 || len(out) != 2 {
		t.Fatalf("got %v", out)
	}
	if in["API_TOKEN"] != 1 {
		t.Fatal("input changed")
	}
	if Map[string, int](nil, nil) != nil {
		t.Fatal("nil map")
	}
}

func TestArgValues(t *testing.T) {
	args := []byte(`{"name":"s3cr3t-name","cookie":"abcd1234","nested":{"list":["deepvalue"]},"limit":5,"on":"yes"}`)
	text := `no process "s3cr3t-name"; cookie abcd1234 rejected; deepvalue; limit 5; yes`
	got := ArgValues(text, args)
	for _, leaked := range []string{"s3cr3t-name", "abcd1234", "deepvalue"} {
		if strings.Contains(got, leaked) {
			t.Fatalf("%q left in %q", leaked, got)
		}
	}
	if !strings.Contains(got, "limit 5") || !strings.Contains(got, "yes") {
		t.Fatalf("short values should stay: %q", got)
	}
	if ArgValues("plain", nil) != "plain" || ArgValues("plain", []byte("{bad")) != "plain" {
		t.Fatal("no or bad arguments change the text")
	}
}

// TestArgs: echoed arguments keep their shape and plain values, and lose
// every value under a secret-looking key (issue 13, item 5: a sampled
// network_connect_route showed its cookie in sample_start's description).
func TestArgs(t *testing.T) {
	got := string(Args([]byte(`{"name":"peer@host","cookie":"c00kie-val","opts":{"db_password":"pw123","port":9},"list":[{"api_token":"tk"}]}`)))
	for _, leaked := range []string{"c00kie-val", "pw123", `"tk"`} {
		if strings.Contains(got, leaked) {
			t.Errorf("%s left in %s", leaked, got)
		}
	}
	if !strings.Contains(got, "peer@host") || !strings.Contains(got, `"port":9`) {
		t.Errorf("plain values lost: %s", got)
	}
	if string(Args([]byte("{bad"))) != `"`+Mask+`"` {
		t.Error("malformed arguments must not be echoed")
	}
}

func TestSecretArgs(t *testing.T) {
	args := []byte(`{"name":"peer@host","cookie":"c00kie-val","opts":{"password":"pw"}}`)
	got := SecretArgs("connecting to peer@host with cookie c00kie-val, password pw failed", args)
	if strings.Contains(got, "c00kie-val") || strings.Contains(got, " pw ") || !strings.Contains(got, "peer@host") {
		t.Fatalf("got %q", got)
	}
}
