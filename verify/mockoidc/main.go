// Command mockoidc serves github.com/oauth2-proxy/mockoidc, an OpenID Connect provider for tests,
// over HTTPS on 127.0.0.1, for the tests of the access gates (tests/test_access_proxy.py).
//
// It writes its certificate (its own CA) to <dir>/ca.pem, prints one JSON line with the issuer,
// the client id and secret and that file, and serves until it is killed. Every login signs in a
// user with the e-mail given by -email, at once: there is no login page.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"flag"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/oauth2-proxy/mockoidc"
)

func main() {
	dir := flag.String("dir", ".", "directory for ca.pem")
	email := flag.String("email", "jane.doe@example.com", "e-mail of the user every login signs in")
	flag.Parse()

	certificate, caPEM, err := selfSigned()
	if err != nil {
		log.Fatal(err)
	}
	caFile := filepath.Join(*dir, "ca.pem")
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		log.Fatal(err)
	}

	server, err := mockoidc.NewServer(nil)
	if err != nil {
		log.Fatal(err)
	}
	err = server.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.AuthorizationEndpoint {
				user := mockoidc.DefaultUser()
				user.Email = *email
				server.QueueUser(user)
			}
			next.ServeHTTP(w, r)
		})
	})
	if err != nil {
		log.Fatal(err)
	}
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	config := &tls.Config{Certificates: []tls.Certificate{certificate}, MinVersion: tls.VersionTLS12}
	if err := server.Start(tls.NewListener(listener, config), config); err != nil {
		log.Fatal(err)
	}
	err = json.NewEncoder(os.Stdout).Encode(map[string]string{
		"issuer":       server.Issuer(),
		"clientId":     server.ClientID,
		"clientSecret": server.ClientSecret,
		"caFile":       caFile,
	})
	if err != nil {
		log.Fatal(err)
	}
	select {}
}

// selfSigned makes a certificate for 127.0.0.1 that is its own CA.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "mockoidc"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	certificate := tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	return certificate, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), nil
}
