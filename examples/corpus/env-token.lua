-- Send a bearer token taken from the environment (never committed with the script).
-- Flags: --allow-env API_TOKEN
-- Env: API_TOKEN=env-secret-token
-- Without: --allow-env API_TOKEN would grant it
local token = os.getenv("API_TOKEN")
if not token or token == "" then
   error("set API_TOKEN to the token to send")
end

wrk.headers["Authorization"] = "Bearer " .. token
wrk.path = "/api/items"
