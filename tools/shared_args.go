package tools

import (
	"strings"

	"github.com/ergomcp/ergomcp/internal/catalog"
)

// requireNonBlank refuses a required text argument that is empty or only
// blanks; missing is the whole error text, saying what to pass.
func requireNonBlank(v, missing string) error {
	if strings.TrimSpace(v) == "" {
		return catalog.Errorf("%s", missing)
	}
	return nil
}

// requireText trims *v and fails with missing when nothing is left: the
// required name arguments of the network, registrar and cron tools.
func requireText(v *string, missing string) error {
	*v = strings.TrimSpace(*v)
	return requireNonBlank(*v, missing)
}
