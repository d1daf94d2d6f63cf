package ergomcp

import (
	"crypto/tls"

	"ergo.services/ergo/gen"
)

// tlsConfig serves the certificate the manager holds at each handshake, so
// a rotated certificate takes effect without a restart.
func tlsConfig(cm gen.CertManager) *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: cm.GetCertificateFunc(),
	}
}
