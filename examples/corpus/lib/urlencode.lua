-- Percent-encoding, the usual gsub one-liner.
return function(s)
   return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end
