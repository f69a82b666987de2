package main

// TLS, HTTP/2 and proxies end to end, as a user meets them: a server with a
// self-signed certificate, one that asks for a client certificate, an
// HTTP/2 server, and a forward proxy from HTTPS_PROXY.

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/trafficgen/trafficgen/stats"
)

const unknownCA = "certificate signed by unknown authority"

// tlsServer is a loopback HTTPS server with the certificate of certs; it
// counts the requests that reach it and the protocol of each.
type tlsServer struct {
	*httptest.Server
	n      atomic.Int64
	mu     sync.Mutex
	protos map[string]int
}

func newTLSServer(t *testing.T, certs certFiles, setup func(*httptest.Server)) *tlsServer {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(certs.cert, certs.key)
	if err != nil {
		t.Fatal(err)
	}
	s := &tlsServer{protos: map[string]int{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.n.Add(1)
		s.mu.Lock()
		s.protos[r.Proto]++
		s.mu.Unlock()
		io.WriteString(w, "ok\n")
	}))
	s.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	// The handshakes the client refuses are expected here.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	if setup != nil {
		setup(s.Server)
	}
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

func (s *tlsServer) protocols() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for k, v := range s.protos {
		out[k] = v
	}
	return out
}

// tlsRuns makes the TLS runs of these tests go one at a time: handshakes
// under the race detector are the heaviest work in the package, and
// several runs' worth at once on a busy machine all finish late together.
var tlsRuns sync.Mutex

// runTLS runs 200 requests (1 s) to url headless with args, and returns
// the exit status, the output and the report.
func runTLS(t *testing.T, url string, args ...string) (int, string, *stats.Report) {
	t.Helper()
	tlsRuns.Lock()
	defer tlsRuns.Unlock()
	report := filepath.Join(t.TempDir(), "report.json")
	args = append([]string{"--no-tui", "-n", "200", "-r", "200", "--stats-interval", "200ms", "--timeout", "5s", "--report", report}, args...)
	code, out, errOut := runMain(t, nil, append(args, url)...)
	if code != exitOK {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	return code, out, readReport(t, report)
}

// summaryFirstLine is the first line of the summary in a headless run's
// output: the line after the last block.
func summaryFirstLine(t *testing.T, out string) string {
	t.Helper()
	i := strings.Index(out, "Final Statistics\n")
	if i < 0 {
		t.Fatalf("no summary:\n%s", out)
	}
	// The start line and each block's header are the only unindented
	// lines before the summary: the first unindented line after the last
	// of them begins the summary.
	lines := strings.Split(out[:i], "\n")
	from := 0
	for j, l := range lines {
		if strings.HasPrefix(l, "Stats [") || strings.HasPrefix(l, "trafficgen: ") {
			from = j + 1
		}
	}
	for _, l := range lines[from:] {
		if l != "" && !strings.HasPrefix(l, " ") {
			return l
		}
	}
	return "Final Statistics"
}

// TestSelfSignedCertificate: without -k every request fails, and the
// summary's first line, the headless blocks and the report say why, with
// either client; with -k, and with --cacert, every request succeeds.
func TestSelfSignedCertificate(t *testing.T) {
	t.Parallel()
	certs := writeCerts(t, t.TempDir())
	srv := newTLSServer(t, certs, nil)
	url := srv.URL + "/x"
	for _, client := range []string{"h1", "nethttp"} {
		t.Run("unverified "+client, func(t *testing.T) {
			// At most four handshakes at once: the first failures come
			// before the run's first blocks however slow the CPU, where
			// a full second's worth shares it and fails after them all.
			_, out, rep := runTLS(t, url, "--client", client, "-c", "4")
			if first := summaryFirstLine(t, out); !strings.HasPrefix(first, fmt.Sprintf("All %d requests failed: tls: ", rep.Total)) || !strings.HasSuffix(first, unknownCA) {
				t.Errorf("summary's first line %q\n%s", first, out)
			}
			if !strings.Contains(out, "   Errors: ") || !strings.Contains(out, " tls, last: ") ||
				strings.Count(out, unknownCA) < 3 { // a block, the verdict, the error kinds
				t.Errorf("the blocks and the summary do not say why:\n%s", out)
			}
			if rep.Total == 0 || rep.Success != 0 || rep.ErrorKinds["tls"] != rep.Total || !strings.Contains(rep.ErrorMessages["tls"], unknownCA) {
				t.Errorf("report: %d ok, kinds %v, messages %v", rep.Success, rep.ErrorKinds, rep.ErrorMessages)
			}
		})
	}
	if n := srv.n.Load(); n != 0 {
		t.Fatalf("%d requests reached the server through an unverified handshake", n)
	}
	for name, args := range map[string][]string{"-k": {"-k"}, "--cacert": {"--cacert", certs.cert}} {
		t.Run(name, func(t *testing.T) {
			before := srv.n.Load()
			_, out, rep := runTLS(t, url, args...)
			if rep.Success == 0 || rep.Errors != 0 || srv.n.Load()-before != rep.Success {
				t.Errorf("%d ok, %d errors; the server saw %d\n%s", rep.Success, rep.Errors, srv.n.Load()-before, out)
			}
		})
	}
}

// TestClientCertificate: a server that requires a client certificate
// answers every request with --cert and --key, and none without.
func TestClientCertificate(t *testing.T) {
	t.Parallel()
	certs := writeCerts(t, t.TempDir())
	pool := x509.NewCertPool()
	pem, _ := os.ReadFile(certs.cert)
	pool.AppendCertsFromPEM(pem)
	srv := newTLSServer(t, certs, func(s *httptest.Server) {
		s.TLS.ClientAuth, s.TLS.ClientCAs = tls.RequireAndVerifyClientCert, pool
	})
	url := srv.URL + "/x"
	_, out, rep := runTLS(t, url, "--cacert", certs.cert)
	if rep.Success != 0 || srv.n.Load() != 0 || rep.ErrorMessages["tls"] == "" && rep.ErrorMessages["connection reset"] == "" {
		t.Errorf("without a client certificate: %d ok, the server saw %d, messages %v\n%s", rep.Success, srv.n.Load(), rep.ErrorMessages, out)
	}
	for _, args := range [][]string{{"--cert", certs.cert, "--key", certs.key}, {"--cert", certs.combined}} {
		before := srv.n.Load()
		_, out, rep = runTLS(t, url, append([]string{"--cacert", certs.cert}, args...)...)
		if rep.Success == 0 || rep.Errors != 0 || srv.n.Load()-before != rep.Success {
			t.Errorf("%v: %d ok of %d; the server saw %d\n%s", args, rep.Success, rep.Total, srv.n.Load()-before, out)
		}
	}
}

// TestHTTP2: --http2 against an HTTP/2 server sends every request over
// HTTP/2; without it, the default client speaks HTTP/1.1.
func TestHTTP2(t *testing.T) {
	t.Parallel()
	certs := writeCerts(t, t.TempDir())
	srv := newTLSServer(t, certs, func(s *httptest.Server) { s.EnableHTTP2 = true })
	_, out, rep := runTLS(t, srv.URL+"/x", "--http2", "--cacert", certs.cert)
	if p := srv.protocols(); rep.Success == 0 || rep.Errors != 0 || p["HTTP/2.0"] != int(rep.Success) || len(p) != 1 || rep.Config["http2"] != true {
		t.Errorf("--http2: %d ok, protocols %v, config %v\n%s", rep.Success, p, rep.Config, out)
	}
	plain := newTLSServer(t, certs, nil)
	_, _, rep = runTLS(t, plain.URL+"/x", "--cacert", certs.cert)
	if p := plain.protocols(); rep.Success == 0 || p["HTTP/1.1"] != int(rep.Success) || len(p) != 1 {
		t.Errorf("without --http2: protocols %v", p)
	}
}

// connectProxy is a forward proxy for HTTPS: it answers CONNECT, counts
// the tunnels and where they were asked to go, and takes every one to
// the one loopback server it serves, whatever the name asked for.
type connectProxy struct {
	ln      net.Listener
	to      string
	tunnels atomic.Int64
	mu      sync.Mutex
	asked   map[string]int
	wg      sync.WaitGroup
}

func newConnectProxy(t *testing.T, to string) *connectProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &connectProxy{ln: ln, to: to, asked: map[string]int{}}
	p.wg.Go(p.serve)
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *connectProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Go(func() { p.tunnel(c) })
	}
}

func (p *connectProxy) tunnel(c net.Conn) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil || req.Method != http.MethodConnect {
		io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
		return
	}
	p.mu.Lock()
	p.asked[req.Host]++
	p.mu.Unlock()
	up, err := net.Dial("tcp", p.to)
	if err != nil {
		io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
		return
	}
	defer up.Close()
	p.tunnels.Add(1)
	io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(up, br)
		up.(*net.TCPConn).CloseWrite()
		close(done)
	}()
	io.Copy(c, up)
	c.Close()
	<-done
}

// TestHTTPSProxy: with HTTPS_PROXY set, an ad-hoc https URL goes through
// the proxy (CONNECT), and every request arrives. The URL names a host
// only the proxy knows; nothing resolves it here, and the start-up check
// asks the proxy, not the name.
func TestHTTPSProxy(t *testing.T) {
	t.Parallel()
	certs := writeCerts(t, t.TempDir())
	srv := newTLSServer(t, certs, nil)
	proxy := newConnectProxy(t, srv.Listener.Addr().String())
	report := filepath.Join(t.TempDir(), "report.json")
	p := start(t, []string{"HTTPS_PROXY=http://" + proxy.ln.Addr().String(), "NO_PROXY=", "no_proxy=", "https_proxy="},
		"-n", "100", "-r", "200", "-k", "--report", report, "https://gate-proxy.test/x")
	if code := p.wait(t, 30e9); code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", code, p.stdout.String(), p.stderr.String())
	}
	rep := readReport(t, report)
	proxy.mu.Lock()
	asked := proxy.asked["gate-proxy.test:443"]
	proxy.mu.Unlock()
	if rep.Success == 0 || rep.Errors != 0 || srv.n.Load() != rep.Success || proxy.tunnels.Load() == 0 || asked == 0 {
		t.Errorf("%d ok, the server saw %d, through %d tunnels (%d to gate-proxy.test:443)\n%s\n%s",
			rep.Success, srv.n.Load(), proxy.tunnels.Load(), asked, p.stdout.String(), p.stderr.String())
	}
	if rep.Config["client"] != "nethttp" || strings.Contains(p.stderr.String(), "not answering") {
		b, _ := json.Marshal(rep.Config)
		t.Errorf("config %s\n%s", b, p.stderr.String())
	}
}
