-- Read an API token from a file that a login step wrote before the test.
-- Flags: --allow-read data
-- Without: reading "data/token.txt" needs --allow-read
local fh = io.open("data/token.txt")
local token = fh:read("*l")
fh:close()

wrk.headers["Authorization"] = "Token " .. token
wrk.path = "/api/items"
