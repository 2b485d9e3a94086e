/** A DNI list in the IFTAS file's shape, with the trouble real files have. */
// A BOM, a header of #-columns, quoted fields with commas and quotes, CRLF,
// a repeated header, blank and duplicate rows, and rows that are not domains.
export const IFTAS_CSV = [
  "\uFEFF#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
  'bad.example,suspend,true,true,"Harassment, spam and ""worse""",false',
  "Worse.Example,suspend,true,true,CSAM,false",
  "",
  "bad.example,suspend,true,true,duplicate,false",
  "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate",
  '"quoted.example",silence,false,false,"multi\nline comment",false',
  "not a domain,suspend,true,true,broken,false",
  "192.0.2.1,suspend,true,true,an address,false",
  "short-row.example",
  ",suspend,true,true,no domain,false",
].join("\r\n");
