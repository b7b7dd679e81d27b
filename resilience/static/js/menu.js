/* The top bar's menu on a narrow screen (templates/base.html): the button folds the links
 * away and opens them again. Without this script the button stays hidden and the links
 * wrap, so every page is still reachable. */
(function () {
  'use strict';
  const bar = document.querySelector('.topbar');
  const button = bar && bar.querySelector('.menu-button');
  const menu = document.getElementById('topbar-menu');
  if (!button || !menu) return;

  function setOpen(open) {
    button.setAttribute('aria-expanded', String(open));
    bar.classList.toggle('menu-open', open);
  }

  button.hidden = false;
  bar.classList.add('has-menu-button');
  button.addEventListener('click', () => setOpen(button.getAttribute('aria-expanded') !== 'true'));
  // Escape closes the open menu and gives the focus back to its button.
  bar.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      setOpen(false);
      button.focus();
    }
  });
}());
