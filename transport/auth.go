package transport

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/ergomcp/ergomcp/internal/redact"
	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Callers recorded when authentication gives no subject.
const (
	callerAnonymous = "anonymous" // no Token or Verifier configured
	callerToken     = "token"     // static Token, or a Verifier returning ""
)

// verifyFunc has the shape of Config.Verifier.
type verifyFunc func(ctx context.Context, token string, r *http.Request) (subject string, err error)

var errBadToken = errors.New("token does not match Config.Token")

// staticToken verifies against a fixed token. Comparing SHA-256 digests
// keeps the comparison constant-time in the token length too, which
// subtle.ConstantTimeCompare alone does not.
func staticToken(want string) verifyFunc {
	wantSum := sha256.Sum256([]byte(want))
	return func(_ context.Context, token string, _ *http.Request) (string, error) {
		sum := sha256.Sum256([]byte(token))
		if subtle.ConstantTimeCompare(sum[:], wantSum[:]) != 1 {
			return "", errBadToken
		}
		return callerToken, nil
	}
}

type subjectKey struct{}

// requireBearer rejects requests without a valid bearer token and hands the
// subject to the go-sdk as auth.TokenInfo.UserID. Going through TokenInfo
// (rather than a context value of our own) matters twice: the go-sdk copies
// it into every request's mcp.RequestExtra, which is the only request data
// that reaches tool handlers of a stateful session, and it binds each
// session to the subject that created it, so another subject cannot hijack
// it. With verify nil (no auth configured) next is returned unchanged.
func requireBearer(verify verifyFunc, logs *rateLog, next http.Handler) http.Handler {
	if verify == nil {
		return next
	}
	// The go-sdk middleware re-parses the header with the same rules as
	// bearerToken, so by the time it runs the token is known good and the
	// subject only has to be lifted out of the context.
	lift := auth.RequireBearerToken(func(_ context.Context, _ string, r *http.Request) (*auth.TokenInfo, error) {
		subject, ok := r.Context().Value(subjectKey{}).(string)
		if !ok {
			return nil, auth.ErrInvalidToken
		}
		return &auth.TokenInfo{UserID: subject}, nil
	}, &auth.RequireBearerTokenOptions{AllowMissingExpiration: true})(next)

	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearerToken(r)
		if !ok {
			logs.log(slog.LevelWarn, "auth", "ergomcp: request without a bearer token rejected", "remote", r.RemoteAddr)
			unauthorized(w, "missing bearer token (Authorization: Bearer <token>)")
			return
		}
		subject, err := verify(r.Context(), token, r)
		if err != nil {
			// The reason stays in the log: telling the client why a token
			// failed helps only someone guessing tokens. A Verifier's error
			// may quote the token; the log never does.
			logs.log(slog.LevelWarn, "auth", "ergomcp: bearer token rejected", "remote", r.RemoteAddr,
				"error", strings.ReplaceAll(err.Error(), token, redact.Mask))
			unauthorized(w, "invalid bearer token")
			return
		}
		if subject == "" {
			subject = callerToken
		}
		lift.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), subjectKey{}, subject)))
	})
}

// bearerToken extracts the token exactly as auth.RequireBearerToken does.
func bearerToken(r *http.Request) (string, bool) {
	fields := strings.Fields(r.Header.Get("Authorization"))
	if len(fields) != 2 || !strings.EqualFold(fields[0], "Bearer") {
		return "", false
	}
	return fields[1], true
}

func unauthorized(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="ergomcp"`)
	http.Error(w, "Unauthorized: "+msg, http.StatusUnauthorized)
}

// callerOf names who made a tool call, from what requireBearer recorded.
func callerOf(req *mcp.CallToolRequest) string {
	if req.Extra != nil && req.Extra.TokenInfo != nil && req.Extra.TokenInfo.UserID != "" {
		return req.Extra.TokenInfo.UserID
	}
	return callerAnonymous
}
