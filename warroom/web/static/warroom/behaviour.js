// Small page behaviours, wired by data attributes: the Content-Security-Policy allows no
// inline script (no onclick=, no onchange=), so pages say what they want here instead.
//   <select data-autosubmit>  submits its form when changed (filters)
//   <button data-print>       prints the page (certificates)
document.addEventListener("change", (event) => {
  const field = event.target.closest("[data-autosubmit]");
  if (field && field.form) field.form.submit();
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
