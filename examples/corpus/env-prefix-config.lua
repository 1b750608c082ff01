-- Settings from LOAD_* variables, with defaults for the optional ones.
-- Flags: --allow-env LOAD_*
-- Env: LOAD_PATH=/api/items LOAD_METHOD=GET
-- Without: --allow-env LOAD_PATH would grant it
local path = os.getenv("LOAD_PATH")
assert(path, "LOAD_PATH must be set")
wrk.path = path
wrk.method = os.getenv("LOAD_METHOD") or "GET"
local extra = os.getenv("LOAD_HEADER")
if extra then
   local name, value = extra:match("^([^:]+):%s*(.*)$")
   wrk.headers[name] = value
end
