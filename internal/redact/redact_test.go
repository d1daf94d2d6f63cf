package redact

import "testing"

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
