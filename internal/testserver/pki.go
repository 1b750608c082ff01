package testserver

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

// TLSFiles are the PEM files of a throwaway PKI: a CA, a server certificate signed by it for
// localhost, 127.0.0.1, ::1 and the names given, and a client certificate signed by it.
type TLSFiles struct {
	CA                string // ca.pem
	Server, ServerKey string // server.pem, server.key
	Client, ClientKey string // client.pem, client.key
	serverPair        tls.Certificate
	pool              *x509.CertPool
}

// NewTLSFiles makes the PKI in dir, valid for a day.
func NewTLSFiles(dir string, names ...string) (*TLSFiles, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "volley serve CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	f := &TLSFiles{CA: filepath.Join(dir, "ca.pem"), pool: x509.NewCertPool()}
	f.pool.AddCert(ca)
	if err := writePEM(f.CA, "CERTIFICATE", caDER); err != nil {
		return nil, err
	}
	issue := func(serial int64, name string, usage x509.ExtKeyUsage) (cert, key string, err error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return "", "", err
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "volley serve " + name},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
			DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else if n != "" {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			return "", "", err
		}
		keyDER, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return "", "", err
		}
		cert, key = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+".key")
		if err := writePEM(cert, "CERTIFICATE", der); err != nil {
			return "", "", err
		}
		return cert, key, writePEM(key, "EC PRIVATE KEY", keyDER)
	}
	if f.Server, f.ServerKey, err = issue(2, "server", x509.ExtKeyUsageServerAuth); err != nil {
		return nil, err
	}
	if f.Client, f.ClientKey, err = issue(3, "client", x509.ExtKeyUsageClientAuth); err != nil {
		return nil, err
	}
	if f.serverPair, err = tls.LoadX509KeyPair(f.Server, f.ServerKey); err != nil {
		return nil, err
	}
	return f, nil
}

// Config is a server TLS configuration with the server certificate; with clientAuth it asks
// for a client certificate signed by the CA.
func (f *TLSFiles) Config(clientAuth tls.ClientAuthType) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{f.serverPair},
		ClientAuth:   clientAuth,
		ClientCAs:    f.pool,
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"h2", "http/1.1"}, // h2 is sniffed from its preface, as on plain connections
	}
}

func writePEM(path, kind string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600)
}
